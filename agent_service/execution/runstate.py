"""The state of one run in flight, and how its ending is classified.

Why separate from delivery/pickup.py and execution/run.py: the control listener, heartbeat (lock renewal) and the worker's drain all
act on runs through `ActiveRun.stop(reason)` without knowing how a run is executed. The reason recorded
there (cancel | timeout | handback | lost) is what later selects the terminal event, because after
RunResultStreaming.cancel() the stream just ends quietly (no exception, final_output None).
`error_code` maps exceptions raised out of stream_events() to ERROR_CODES: failures raised through MCP
client code → tool_error (the server is probed), OpenAI API errors → model_error (checked first:
their cause chain holds anyio/httpcore errors too), MaxTurnsExceeded → max_turns, Redis → internal,
anything else raised by the run → model_error. Messages sent to clients are the fixed ERROR_CODES texts,
never the exception text (it can carry SQL, URLs or stack details).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TypedDict

import openai
from agents import Agent, MaxTurnsExceeded, RunConfig
from agents.exceptions import AgentsException, MCPToolCancellationError, ToolTimeoutError

from agent_service.observation import ModelCallHooks
from agent_service.redis_clients import REDIS_ERRORS
from contract import ChatTask

RETRY_MESSAGE = "The previous attempt was interrupted; restarting the answer."


class RunContext(TypedDict):
    """The SDK run context of every run (`Runner.run_streamed(context=...)`): who the task is for and
    which task it is. Tool servers that act for a user read the owner from here (tools/tasks/client.py
    puts it into each call's MCP `_meta`), never from the model's arguments. A mapping, so a paused
    run's saved state (RunState.to_string) carries it without a custom serializer."""

    owner: str
    task_id: str


def run_context(task: ChatTask) -> RunContext:
    return {"owner": task.owner, "task_id": task.task_id}


@dataclass
class AgentSetup:
    """What a run needs from the worker: the agent (with the shared MCP server) and its RunConfig."""

    agent: Agent
    run_config: RunConfig | None = None
    hooks: ModelCallHooks | None = None
    """Feeds the GenAI metrics from every model call (agent_service/observation.py)."""
    description: str = ""
    """What the agent is for, as the heartbeat advertises it (execution/registry.py)."""
    servers: tuple = ()
    """The MCP servers (tools/supervisor.py ToolServer) its tools call: the worker waits for a
    replacement in progress before a run and has them probed after a tool error."""


@dataclass
class ActiveRun:
    task: ChatTask
    payload: str
    result: object | None = None
    stop_reason: str | None = None
    """None, or why the run is being stopped: cancel | timeout | handback | lost | ended (the event log
    refused an append: someone else already wrote the task's terminal event)."""
    requeue: bool = False
    done: bool = False
    outcome: str = ""
    """The terminal event's type once this run wrote it (complete | error | cancelled)."""
    started: float = field(default_factory=time.monotonic)

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        if self.result is not None:
            self.result.cancel()


_MCP_MODULES = ("mcp", "agents.mcp")


def _in_mcp(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in _MCP_MODULES)


def _through_mcp(exc: BaseException) -> bool:
    """True when the exception is MCP's own or was raised through MCP client code (its traceback)."""
    if _in_mcp(type(exc).__module__ or ""):
        return True
    tb = exc.__traceback__
    while tb is not None:
        if _in_mcp(tb.tb_frame.f_globals.get("__name__", "")):
            return True
        tb = tb.tb_next
    return False


def error_code(exc: BaseException) -> str:
    """Map an exception raised out of the run to an ERROR_CODES key.

    Why this order: an OpenAI API error is the model's failure even when its cause chain holds anyio or
    httpcore errors (httpx re-raises transport errors from anyio), and calling it tool_error would make
    the worker probe the shared MCP server for nothing. So only chains that pass through mcp /
    agents.mcp code count as tool failures."""
    if isinstance(exc, MaxTurnsExceeded):
        return "max_turns"
    if isinstance(exc, ToolTimeoutError | MCPToolCancellationError):
        return "tool_error"
    if isinstance(exc, openai.APIError):
        return "model_error"
    chain: BaseException | None = exc
    for _ in range(10):  # walk the cause chain (bounded: contexts can be cyclic)
        if chain is None:
            break
        if isinstance(chain, openai.APIError):
            return "model_error"
        if _through_mcp(chain) or (
            isinstance(chain, AgentsException) and ("MCP" in str(chain) or "connect()" in str(chain))
        ):
            return "tool_error"
        chain = chain.__cause__ or chain.__context__
    if isinstance(exc, REDIS_ERRORS):
        return "internal"
    return "model_error"
