"""The state of one run in flight, and how its ending is classified.

Why separate from runner.py: the control listener, heartbeat (lock renewal) and the worker's drain all
act on runs through `ActiveRun.stop(reason)` without knowing how a run is executed. The reason recorded
there (cancel | timeout | handback | lost) is what later selects the terminal event, because after
RunResultStreaming.cancel() the stream just ends quietly (no exception, final_output None).
`error_code` maps exceptions raised out of stream_events() to ERROR_CODES: transport failures of the MCP
server → tool_error (the server is reconnected), MaxTurnsExceeded → max_turns, Redis → internal,
anything else raised by the run → model_error. Messages sent to clients are the fixed ERROR_CODES texts,
never the exception text (it can carry SQL, URLs or stack details).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agents import Agent, MaxTurnsExceeded, RunConfig
from agents.exceptions import AgentsException, MCPToolCancellationError, ToolTimeoutError

from agent_service.eventsink import REDIS_ERRORS
from backend.contract import ChatTask

RETRY_MESSAGE = "The previous attempt was interrupted; restarting the answer."


@dataclass
class AgentSetup:
    """What a run needs from the worker: the agent (with the shared MCP server) and its RunConfig."""

    agent: Agent
    run_config: RunConfig | None = None


@dataclass
class ActiveRun:
    task: ChatTask
    payload: bytes
    result: object | None = None
    stop_reason: str | None = None
    """None, or why the run is being stopped: cancel | timeout | handback | lost."""
    requeue: bool = False
    done: bool = False
    started: float = field(default_factory=time.monotonic)

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        if self.result is not None:
            self.result.cancel()


def error_code(exc: BaseException) -> str:
    """Map an exception raised out of the run to an ERROR_CODES key."""
    if isinstance(exc, MaxTurnsExceeded):
        return "max_turns"
    if isinstance(exc, ToolTimeoutError | MCPToolCancellationError):
        return "tool_error"
    chain: BaseException | None = exc
    for _ in range(10):  # walk the cause chain (bounded: contexts can be cyclic)
        if chain is None:
            break
        module = type(chain).__module__ or ""
        if module.startswith(("mcp", "anyio")) or (
            isinstance(chain, AgentsException) and ("MCP" in str(chain) or "connect()" in str(chain))
        ):
            return "tool_error"
        chain = chain.__cause__ or chain.__context__
    if isinstance(exc, REDIS_ERRORS):
        return "internal"
    return "model_error"
