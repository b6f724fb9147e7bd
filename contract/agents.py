"""The agents, by name: what each worker advertises in its heartbeat, and what the gateway offers.

Each worker runs a registry of agents (agent_service/execution/registry.py: the built-in `analytics`
and `chat`, those MCP_SERVERS_FILE declares, plus any installed under the `agent_stream.agents` entry
point) and lists them, with the names of the tools each has now, in its `WorkerBeat.agents`. The gateway offers the union over the live workers: `GET /ai/api/agents`, the
`agent` a chat may name (an unknown one is a 422 that lists these), and the OpenAI-compatible models.
A beat that lists none (a worker from before agents existed) offers the default agent.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

DEFAULT_AGENT = "analytics"
AGENT_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"


class AgentInfo(BaseModel):
    name: str = Field(pattern=AGENT_NAME_PATTERN)
    description: str = ""
    tools: list[str] = Field(default_factory=list)
    """The tools it can call (names), empty for an agent without tools."""


DEFAULT_INFO = AgentInfo(
    name=DEFAULT_AGENT, description="Natural-language analytics over the configured SQL database"
)


def offered(advertised: Iterable[list[AgentInfo]]) -> dict[str, AgentInfo]:
    """Name → agent over the workers' lists (the first description of a name wins), in name order."""
    found: dict[str, AgentInfo] = {}
    for agents in advertised:
        for agent in agents or [DEFAULT_INFO]:
            found.setdefault(agent.name, agent)
    return dict(sorted(found.items()))
