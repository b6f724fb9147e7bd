"""What the worker knows about the run a tool call belongs to: its event sink, clock and SQL attempts.

Why a context variable: one ToolServer (one MCP subprocess) serves every run of the worker, and the SDK
calls `ToolServer.call_tool(name, arguments)` without saying for which run. Each run is its own asyncio
task, and the SDK runs the agent loop and its tool calls in tasks created from it, which copy its
context; so a scope set (`RunScope.enter`) in the run's task before `Runner.run_streamed` is the one
every tool call of that run sees, and no other run's.
The scope keeps:
- the run's progress steps (`progress`: numbered 1, 2, ... with the ms since the run started), emitted
  from the translator (stream events) and from the tool server (the analytics server's MCP progress
  "querying" after its dry run passed) alike, in one sequence;
- the run's failed run_query attempts (the tool server holds SQL_MAX_RETRIES, tells the model to stop
  at the last one and refuses any further attempt).
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar

from agent_service.execution.eventsink import EventSink
from contract import ProgressEvent

_current: ContextVar[RunScope | None] = ContextVar("run_scope", default=None)


def current_scope() -> RunScope | None:
    return _current.get()


class RunScope:
    def __init__(self, sink: EventSink, task_id: str) -> None:
        self.sink = sink
        self.task_id = task_id
        self.sql_failures = 0
        """Failed run_query attempts so far (the tool server counts them against SQL_MAX_RETRIES)."""
        self.sql_stopped = False
        """The run used up SQL_MAX_RETRIES: later run_query calls are refused, not validated."""
        self.started = time.monotonic()
        self.steps = 0
        self.stage: str | None = None
        self._pending: set[asyncio.Task] = set()

    def enter(self) -> RunScope:
        """Make this the scope of the current task (and of every task it creates from now on)."""
        _current.set(self)
        return self

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def _event(self, stage: str, message: str) -> ProgressEvent:
        self.steps += 1
        self.stage = stage
        return ProgressEvent(
            task_id=self.task_id, stage=stage, step=self.steps, elapsed_ms=self.elapsed_ms(), message=message
        )

    async def progress(self, stage: str, message: str) -> None:
        await self.sink.emit(self._event(stage, message))

    def progress_soon(self, stage: str, message: str) -> None:
        """`progress` from a callback that must not wait for Redis (the MCP session's reader)."""
        task = asyncio.create_task(self.sink.emit(self._event(stage, message)))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def settle(self) -> None:
        """Wait for progress events sent from callbacks, so they land before what follows them."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    @property
    def sql_attempt(self) -> int:
        """The number of the next run_query attempt (1-based)."""
        return self.sql_failures + 1
