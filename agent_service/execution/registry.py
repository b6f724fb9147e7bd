"""The agents a worker runs: the built-in `analytics` (the SQL tools) and `chat` (no tools), plus any a
package installs under the `agent_stream.agents` entry point, without forking this one.

An entry point names an `AgentSpec` (or a function returning one):

    [project.entry-points."agent_stream.agents"]
    support = "my_package.agents:SUPPORT"     # AgentSpec(name="support", instructions=..., ...)

Every agent shares the worker's model and its one tool server; `tools=True` gives an agent the
analytics tools, listed once per process (each run clones its agent). The worker lists its agents in
its heartbeat (contract/agents.py), which is how the gateway knows what a chat may ask for.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from importlib.metadata import entry_points

from agents import RunConfig, RunContextWrapper
from agents.mcp import MCPServer, MCPUtil

from agent_service.config import Settings
from agent_service.execution import tokenizer
from agent_service.execution.agent import INSTRUCTIONS, build_agent
from agent_service.execution.historybudget import HistoryBudget
from agent_service.execution.runstate import AgentSetup
from agent_service.models import build_model
from agent_service.observation import ModelCallHooks
from contract.agents import DEFAULT_AGENT, AgentInfo

log = logging.getLogger(__name__)

ENTRY_POINTS = "agent_stream.agents"
CHAT_INSTRUCTIONS = """\
You are a helpful assistant in a team's internal chat. Answer concisely, in the user's language, with
Markdown where it helps. You have no tools and no access to data: say so when a question needs them.
"""


@dataclass(frozen=True)
class AgentSpec:
    name: str
    description: str
    instructions: str
    tools: bool = False
    """True: the analytics tools of the worker's tool server."""


BUILT_IN = (
    AgentSpec(
        DEFAULT_AGENT, "Natural-language analytics over the configured SQL database", INSTRUCTIONS, tools=True
    ),
    AgentSpec("chat", "A plain assistant, with no tools and no data access", CHAT_INSTRUCTIONS),
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


async def agent_setups(
    settings: Settings, tool_server: MCPServer, hooks: ModelCallHooks | None
) -> dict[str, AgentSetup]:
    """Name → what a run of that agent needs (its agent, the RunConfig, the hooks)."""
    model, model_settings = build_model(settings)
    budget = None
    if settings.history_max_tokens > 0:
        await asyncio.to_thread(tokenizer.encoding)  # load the vocabulary once, off the event loop
        budget = HistoryBudget(settings.history_max_tokens, tokenizer.count_tokens)
    config = RunConfig(tracing_disabled=not settings.openai_api_key, session_input_callback=budget)
    base = build_agent(settings, [tool_server], model, model_settings)
    tools = await MCPUtil.get_function_tools(
        tool_server,
        bool(base.mcp_config.get("convert_schemas_to_strict")),
        RunContextWrapper(context=None),
        base,
        **{k: v for k, v in base.mcp_config.items() if k == "failure_error_function"},
    )
    setups = {}
    for spec in specs():
        agent = base.clone(
            name=spec.name,
            instructions=spec.instructions,
            mcp_servers=[],
            tools=list(tools) if spec.tools else [],
        )
        setups[spec.name] = AgentSetup(agent, config, hooks, spec.description)
    return setups


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
