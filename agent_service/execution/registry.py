"""The agents a worker runs: the built-in `analytics` (the SQL tools) and `chat` (no tools), plus any a
package installs under the `agent_stream.agents` entry point, without forking this one.

An entry point names an `AgentSpec` (or a function returning one):

    [project.entry-points."agent_stream.agents"]
    support = "my_package.agents:SUPPORT"     # AgentSpec(name="support", instructions=..., ...)

Every agent shares the worker's model; `tools=True` gives an agent the analytics tools, `server="tasks"`
the tools of the worker's other tool server of that name (the task list, tools/tasks/), each listed
once per process (each run clones its agent). The worker lists its agents in
its heartbeat (contract/agents.py), which is how the gateway knows what a chat may ask for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import entry_points

from agents import RunConfig, RunContextWrapper
from agents.mcp import MCPServer, MCPUtil

from agent_service.config import Settings
from agent_service.execution.agent import INSTRUCTIONS, build_agent
from agent_service.execution.runstate import AgentSetup
from agent_service.metrics import WorkerMetrics
from agent_service.models import build_model
from agent_service.observation import ModelCallHooks
from agent_service.tools.supervisor import ToolServer
from agent_service.tools.tasks.client import SERVER_NAME, tasks_tool_server
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
    """True: the analytics tools of the worker's tool server."""
    server: str = ""
    """The name of another tool server of the worker whose tools this agent gets (e.g. "tasks")."""


BUILT_IN = (
    AgentSpec(
        DEFAULT_AGENT, "Natural-language analytics over the configured SQL database", INSTRUCTIONS, tools=True
    ),
    AgentSpec("chat", "A plain assistant, with no tools and no data access", CHAT_INSTRUCTIONS),
    AgentSpec("tasks", "Your own task list: add, list, complete, delete", TASKS_INSTRUCTIONS, server="tasks"),
)


def specs() -> list[AgentSpec]:
    """The built-in agents, then the installed ones (an installed agent may not take a built-in name)."""
    found = {spec.name: spec for spec in BUILT_IN}
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
        found[spec.name] = spec
    return list(found.values())


async def _function_tools(server: MCPServer, base) -> list:
    return await MCPUtil.get_function_tools(
        server,
        bool(base.mcp_config.get("convert_schemas_to_strict")),
        RunContextWrapper(context=None),
        base,
        **{k: v for k, v in base.mcp_config.items() if k == "failure_error_function"},
    )


async def agent_setups(
    settings: Settings,
    tool_server: MCPServer,
    hooks: ModelCallHooks | None,
    servers: dict[str, MCPServer] | None = None,
) -> dict[str, AgentSetup]:
    """Name → what a run of that agent needs (its agent, the RunConfig, the hooks). `servers`: the
    worker's other tool servers by name; an agent whose server is not among them is left out."""
    model, model_settings = build_model(settings)
    config = RunConfig(tracing_disabled=not settings.openai_api_key)
    base = build_agent(settings, [tool_server], model, model_settings)
    tools = await _function_tools(tool_server, base)
    other = {name: await _function_tools(server, base) for name, server in (servers or {}).items()}
    setups = {}
    for spec in specs():
        if spec.server and spec.server not in other:
            log.warning(
                "agent %s needs the tool server %r, which this worker has not", spec.name, spec.server
            )
            continue
        agent = base.clone(
            name=spec.name,
            instructions=spec.instructions,
            mcp_servers=[],
            tools=list(other[spec.server]) if spec.server else list(tools) if spec.tools else [],
        )
        setups[spec.name] = AgentSetup(agent, config, hooks, spec.description)
    return setups


def tool_servers(settings: Settings, metrics: WorkerMetrics | None = None) -> dict[str, ToolServer]:
    """The worker's tool servers besides the analytics one, by the name an AgentSpec.server gives."""
    return {SERVER_NAME: tasks_tool_server(settings, metrics)}


def advertised(setups: dict[str, AgentSetup]) -> list[AgentInfo]:
    """What the heartbeat lists."""
    return [
        AgentInfo(
            name=name,
            description=setup.description,
            tools=[t.name for t in getattr(setup.agent, "tools", [])],
        )
        for name, setup in setups.items()
    ]
