"""The agents a worker runs: the built-in `analytics` (the SQL tools), `chat` (no tools) and `tasks` (the
user's own task list, tools/tasks/, whose writes a person approves first), those an operator declares
in MCP_SERVERS_FILE (tools/catalog.py), and any a package installs under the `agent_stream.agents`
entry point, without forking this one.

An entry point names an `AgentSpec` (or a function returning one):

    [project.entry-points."agent_stream.agents"]
    support = "my_package.agents:SUPPORT"     # AgentSpec(name="support", instructions=..., servers=("notes",))

One rule, here: a spec says which MCP servers an agent uses, by name (`servers`: "analytics" or
"tasks", the bundled ones, or one declared in MCP_SERVERS_FILE); the registry builds its tools from
them. The built-in names come first, then the declared agents (one taking a taken name is a start-up
error, as is any bad file), then the installed ones (one with a taken name, or naming a server the
worker does not have, is logged and left out). Every agent shares the worker's model and its servers, and with a server its policies
(which calls need approval, what each call's `_meta` carries: tools/servers.py builds them).

Why the tools are listed here and kept: the SDK would list and convert them (strict schema, a deep copy
of each) at every model turn of every run, so each server's tools are listed once per connection and
each agent gets the union of its servers' (a name two of its servers both offer keeps the first
server's tool). A server that is down at start-up leaves its agents without its tools (advertised
without them) until it connects: its supervisor tells the registry of every new connection
(`ToolServer.on_connect`), and the agents using it are rebuilt with the tools listed again. Once
listed, the tools stay while the server is down later; calling one then fails the run with `error` /
`tool_error` (tools/supervisor.py). Other servers and the agents that do not use it are untouched.
The worker lists its agents in its heartbeat (contract/agents.py), which is how the gateway knows what
a chat may ask for and which tools each agent has.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points

from agents import Agent, RunConfig, RunContextWrapper, Tool
from agents.mcp import MCPUtil

from agent_service.config import Settings
from agent_service.errors import CatalogError
from agent_service.execution import tokenizer
from agent_service.execution.agent import INSTRUCTIONS, build_agent
from agent_service.execution.historybudget import HistoryBudget
from agent_service.execution.runstate import AgentSetup
from agent_service.metrics import WorkerMetrics
from agent_service.models import build_model
from agent_service.observation import ModelCallHooks
from agent_service.tools.catalog import ANALYTICS_SERVER, BUNDLED_SERVERS, TASKS_SERVER, Catalog, load_catalog
from agent_service.tools.servers import ToolServers
from agent_service.tools.supervisor import ToolServer
from contract.agents import DEFAULT_AGENT, AgentInfo

log = logging.getLogger(__name__)

ENTRY_POINTS = "agent_stream.agents"
CHAT_INSTRUCTIONS = """\
You are a helpful assistant in a team's internal chat. Answer concisely, in the user's language, with
Markdown where it helps. You have no tools and no access to data: say so when a question needs them.
"""
TASKS_INSTRUCTIONS = """\
You keep the user's own task list with the tools list_tasks, add_task, update_task, complete_task and
delete_task. Tasks are numbered per user; call list_tasks when you need the numbers. Every change is shown
to the user for approval before it runs: when a change was rejected, say so and do not try it again.
You can only ever see and change the list of the user you are talking to.
"""


@dataclass(frozen=True)
class AgentSpec:
    name: str
    description: str
    instructions: str
    tools: bool = False
    """True: the analytics tools (the same as servers=("analytics",), for specs written before `servers`)."""
    servers: tuple[str, ...] = ()
    """The MCP servers whose tools it gets, by name."""

    @property
    def server_names(self) -> tuple[str, ...]:
        return tuple(self.servers) or ((ANALYTICS_SERVER,) if self.tools else ())


BUILT_IN = (
    AgentSpec(
        DEFAULT_AGENT,
        "Natural-language analytics over the configured SQL database",
        INSTRUCTIONS,
        servers=(ANALYTICS_SERVER,),
    ),
    AgentSpec("chat", "A plain assistant, with no tools and no data access", CHAT_INSTRUCTIONS),
    AgentSpec(
        "tasks",
        "Your own task list: add, list, complete, delete",
        TASKS_INSTRUCTIONS,
        servers=(TASKS_SERVER,),
    ),
)


def specs(catalog: Catalog | None = None, servers: Iterable[str] = BUNDLED_SERVERS) -> list[AgentSpec]:
    """The built-in agents, the declared ones, then the installed ones whose servers are in `servers`."""
    found = {spec.name: spec for spec in BUILT_IN}
    for agent in (catalog or Catalog()).agents:
        if agent.name in found:
            raise CatalogError(f"MCP_SERVERS_FILE: the agent name {agent.name!r} is a built-in agent's")
        found[agent.name] = AgentSpec(
            agent.name, agent.description, agent.instructions, servers=tuple(agent.servers)
        )
    available = set(servers)
    for point in entry_points(group=ENTRY_POINTS):
        try:
            loaded = point.load()
            spec = loaded() if callable(loaded) and not isinstance(loaded, AgentSpec) else loaded
            AgentInfo(name=spec.name)  # the name must be one the contract accepts
        except Exception as exc:
            log.error("agent entry point %s could not be loaded: %s: %s", point.name, type(exc).__name__, exc)
            continue
        if spec.name in found:
            log.error("agent entry point %s: the name %r is taken; ignored", point.name, spec.name)
            continue
        if missing := [s for s in spec.server_names if s not in available]:
            log.error("agent entry point %s: no MCP server %s here; ignored", point.name, ", ".join(missing))
            continue
        found[spec.name] = spec
    return list(found.values())


class Registry:
    """Name → what a run of that agent needs (`setups`: its agent, the RunConfig, the hooks, its servers),
    kept current as servers connect."""

    def __init__(
        self,
        settings: Settings,
        servers: dict[str, ToolServer],
        hooks: ModelCallHooks | None,
        catalog: Catalog | None = None,
        budget: HistoryBudget | None = None,
    ) -> None:
        model, model_settings = build_model(settings)
        self._config = RunConfig(tracing_disabled=not settings.openai_api_key, session_input_callback=budget)
        self._hooks = hooks
        self._base = build_agent(settings, [], model, model_settings)
        self._servers = servers
        self._specs = specs(catalog, servers)
        self._tools: dict[str, list[Tool]] = {}
        """Server name → its function tools, as last listed."""
        self.setups: dict[str, AgentSetup] = {}
        for spec in self._specs:
            self._build(spec)
        for server in servers.values():
            server.on_connect = self.connected

    async def list_all(self) -> None:
        """List the tools of every server that is connected now (the others' come when they connect)."""
        for server in self._servers.values():
            if server.ready:
                await self.connected(server)

    async def connected(self, server: ToolServer) -> None:
        """`server` has a new connection: list its tools again and rebuild the agents that use it."""
        self._tools[server.name] = await MCPUtil.get_function_tools(
            server,
            bool(self._base.mcp_config.get("convert_schemas_to_strict")),
            RunContextWrapper(context=None),
            self._base,
        )  # the server's failure_error_function=None wins: a tool failure raises (the run: tool_error)
        for spec in self._specs:
            if server.name in spec.server_names:
                self._build(spec)

    def _build(self, spec: AgentSpec) -> None:
        tools: dict[str, Tool] = {}
        for name in spec.server_names:
            for tool in self._tools.get(name, []):
                if tool.name in tools:
                    log.warning(
                        "agent %s: tool %s of server %s is another's; left out", spec.name, tool.name, name
                    )
                    continue
                tools[tool.name] = tool
        agent: Agent = self._base.clone(
            name=spec.name, instructions=spec.instructions, mcp_servers=[], tools=list(tools.values())
        )
        servers = tuple(self._servers[n] for n in spec.server_names if n in self._servers)
        self.setups[spec.name] = AgentSetup(agent, self._config, self._hooks, spec.description, servers)


async def start_agents(
    settings: Settings, metrics: WorkerMetrics | None = None
) -> tuple[ToolServers, dict[str, AgentSetup]]:
    """The worker's MCP servers, started, and its agents over them (raises CatalogError for a bad
    MCP_SERVERS_FILE, ToolServerNotStarted without the analytics server)."""
    catalog = load_catalog(settings.mcp_servers_file)
    servers = ToolServers(settings, catalog, metrics)
    budget = None
    if settings.history_max_tokens > 0:
        await asyncio.to_thread(tokenizer.encoding)  # load the vocabulary once, off the event loop
        budget = HistoryBudget(settings.history_max_tokens, tokenizer.count_tokens)
    hooks = ModelCallHooks(metrics) if metrics else None
    registry = Registry(settings, servers.by_name, hooks, catalog, budget)
    await servers.start()
    await registry.list_all()
    return servers, registry.setups


def advertised(setups: dict[str, AgentSetup], inputs: list[str]) -> list[AgentInfo]:
    """What the heartbeat lists (`inputs`: what the worker's model reads, MODEL_INPUTS)."""
    return [
        AgentInfo(
            name=name,
            description=setup.description,
            tools=[t.name for t in getattr(setup.agent, "tools", [])],
            inputs=inputs,
        )
        for name, setup in setups.items()
    ]
