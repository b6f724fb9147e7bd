"""The worker's MCP tool server: one stdio subprocess shared by every run, kept alive without ever
failing a call that a live server would have answered.

What the agent sees is this object (an `agents.mcp.MCPServer`); the stdio connection underneath
(`ToolConnection`) can be replaced while runs go on:
- Health: a connection is healthy while it answers. A call that succeeds counts as a probe, so the
  supervisor only probes an idle connection (every PING_INTERVAL_S). The probe follows the protocol
  version the session negotiated: `ping` does not exist in MCP 2026-07-28 (servers answer -32601
  Method not found, by design of that revision), so a modern session is probed with `server/discover`,
  a handshake-era one with `ping`. A probe that fails while calls keep succeeding does not count.
  Only PING_FAILURES failed probes in a row with no call answered meanwhile, or a closed connection
  (the subprocess died), replace it.
- Replacement is make-before-break: the new connection is opened first, new calls go to it, and the old
  one is closed only once its calls in flight have ended (at most MCP_TIMEOUT_S, their own timeout).
  A call that finds its connection closed (-32000: the process is gone) waits for the replacement and is
  sent once more there: the analytics tools are read-only and the task list's writes are keyed on the
  task and call ids (tools/tasks/store.py), so a dying server costs the run nothing but the wait.
- Capacity: at most MCP_MAX_INFLIGHT calls are sent at once; the rest wait here for a free slot, outside
  any request timeout, instead of piling up in the server. Measured on this 2-core host (list_tables +
  a GROUP BY run_query mix against the sample database, one caller process): one server answers
  ≈ 109 calls/s from 1 caller, ≈ 150 calls/s from 8 and stays there (32 callers: 149/s, p99 378 ms;
  128: 152/s, p99 1.4 s; 512: 138/s, p99 6.4 s) — past 8 concurrent calls only the latency grows.
  Two servers behind one worker reached 177–234 calls/s at 8–32 callers but fell back to 169/s at
  128, because the host's two cores are shared with the worker and the gateway. A demo chat makes two
  tool calls, so one server covers ≈ 75 new chats/s per worker process, above what the model side of a
  worker sustains. So: one server per worker with bounded concurrency and a queue in front, not a pool.
Tool failures raise instead of becoming model-visible text (failure_error_function=None), so a run that
still cannot reach a server ends in ErrorEvent tool_error instead of a confused answer; ordinary tool
errors (bad SQL → MCP is_error result) reach the model as text, and `custom_data_extractor` carries the
is_error flag to the ToolResultEvent, and run_query's structured content (the whole result, which the
model does not get: it reads the text content) to the translator's DataEvent.
A run_query call is counted against its run's SQL_MAX_RETRIES (queryattempts.py; runscope.py says how a
call finds its run), and the analytics server's progress ("querying" once its dry run passed) becomes
the run's progress event.
`role_warnings` holds what the server announced about an unsafe database role (DATABASE_ALLOW_UNSAFE_ROLE),
for the worker's heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from agents.exceptions import UserError
from agents.mcp import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED

from agent_service.config import Settings
from agent_service.errors import ToolServerNotStarted
from agent_service.execution.queryattempts import QueryAttempts
from agent_service.execution.runscope import current_scope
from agent_service.metrics import WorkerMetrics
from agent_service.observation import tool_call
from agent_service.tools.analytics.server import role_warnings
from agent_service.tools.connection import ToolConnection
from contract.logfields import error_text

log = logging.getLogger(__name__)

PING_INTERVAL_S = 5.0
PING_TIMEOUT_S = 10.0
PING_FAILURES = 3
"""Failed probes in a row (with no call answered meanwhile) before an unresponsive connection is
replaced: a loaded host can delay one answer without the server being dead."""


QUERY_TOOL = "run_query"


def _tool_result_data(ctx: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"is_error": bool(ctx.is_error)}
    if ctx.tool_name == QUERY_TOOL and not ctx.is_error and ctx.structured_content:
        data["data"] = dict(ctx.structured_content)
    return data


def _closed(exc: BaseException) -> bool:
    return isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED


class ToolServer(MCPServer):
    def __init__(
        self,
        settings: Settings,
        params: dict[str, Any],
        name: str = "analytics",
        metrics: WorkerMetrics | None = None,
        **policies: Any,
    ) -> None:
        """`policies`: the SDK's per-server `require_approval` and `tool_meta_resolver`."""
        super().__init__(failure_error_function=None, custom_data_extractor=_tool_result_data, **policies)
        self._metrics = metrics
        self._name = name
        self._params = params
        self._timeout_s = settings.mcp_timeout_s
        self._attempts = QueryAttempts(settings.sql_max_retries)
        self._slots = asyncio.Semaphore(settings.mcp_max_inflight)
        self._current: ToolConnection | None = None
        self._changed = asyncio.Condition()
        self._suspect = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.connects = 0
        self.role_warnings: list[str] = []
        """Role problems the live server announced (it serves anyway: DATABASE_ALLOW_UNSAFE_ROLE)."""

    @property
    def name(self) -> str:
        return self._name

    @property
    def ready(self) -> bool:
        return self._current is not None and not self._current.dead

    # -- lifecycle (the worker's; the SDK never connects servers itself) --------------------------

    async def start(self, timeout_s: float = 60) -> None:
        """Start the supervisor and wait for the first connection (raises if it never comes)."""
        self._task = asyncio.create_task(self._supervise(), name="mcp-supervisor")
        try:
            await self._connection(None, timeout_s)
        except UserError:
            await self.stop()
            raise ToolServerNotStarted(f"MCP server did not start within {timeout_s}s") from None

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._current is not None:
            await self._current.close(drain_s=0)
            self._current = None

    async def connect(self) -> None:
        await self.start()

    async def cleanup(self) -> None:
        await self.stop()

    async def wait_ready(self, timeout_s: float) -> None:
        """Wait (bounded) while a replacement is in progress; a call that still finds no server fails
        with tool_error rather than waiting forever."""
        try:
            await self._connection(None, timeout_s)
        except UserError:
            log.warning("MCP server still not connected after %ss", timeout_s)

    def suspect(self) -> None:
        """A run saw a tool failure: probe the server now (it is replaced only if it does not answer)."""
        self._suspect.set()

    # -- what the agent calls ----------------------------------------------------------------------

    async def list_tools(self, run_context=None, agent=None) -> list:
        return await self._on_live("list_tools", lambda c: c.server.list_tools(run_context, agent))

    @property
    def cached_tools(self):
        return self._current.server.cached_tools if self._current is not None else None

    async def call_tool(self, tool_name: str, arguments: dict[str, Any] | None, meta=None):
        """Send one tool call, timed and traced (agent_service/observation.py)."""
        async with tool_call(self._metrics, tool_name) as call:
            result = await self._call_tool(tool_name, arguments, meta)
            call.answered(result)
            return result

    async def _call_tool(self, tool_name: str, arguments: dict[str, Any] | None, meta):
        scope = current_scope() if tool_name == QUERY_TOOL else None
        if scope is None:
            async with self._slots:
                return await self._on_live(tool_name, lambda c: c.call(tool_name, arguments, meta))
        refusal = self._attempts.refusal(scope)
        if refusal is not None:
            return refusal

        async def progress(done: float, total: float | None, message: str | None) -> None:
            if message == "querying":
                scope.progress_soon("querying", f"Running the query (attempt {scope.sql_attempt})")

        async with self._slots:
            result = await self._on_live(tool_name, lambda c: c.call(tool_name, arguments, meta, progress))
        return self._attempts.counted(scope, result)

    async def list_prompts(self):
        return await self._on_live("list_prompts", lambda c: c.server.list_prompts())

    async def get_prompt(self, name: str, arguments: dict[str, Any] | None = None):
        return await self._on_live("get_prompt", lambda c: c.server.get_prompt(name, arguments))

    async def _on_live(self, what: str, request: Callable[[ToolConnection], Awaitable[Any]]) -> Any:
        """Send `request` on the live connection; if that connection turns out closed, once more on
        its replacement (every request here is read-only or idempotent)."""
        conn = await self._connection(None, self._timeout_s)
        try:
            return await request(conn)
        except MCPError as exc:
            if not _closed(exc):
                raise
            conn.dead = True
            self._suspect.set()
            log.warning("MCP connection closed under %s; sending it to the new one", what)
        conn = await self._connection(conn, self._timeout_s)
        return await request(conn)

    # -- supervision -------------------------------------------------------------------------------

    async def _connection(self, not_this: ToolConnection | None, timeout_s: float) -> ToolConnection:
        """The live connection (not `not_this`), waiting up to timeout_s for one."""

        def usable() -> bool:
            c = self._current
            return c is not None and c is not not_this and not c.dead

        try:
            async with asyncio.timeout(timeout_s):
                async with self._changed:
                    await self._changed.wait_for(usable)
        except TimeoutError:
            raise UserError(f"MCP server {self._name} not connected within {timeout_s}s") from None
        assert self._current is not None
        return self._current

    async def _install(self, conn: ToolConnection) -> None:
        old, self._current = self._current, conn
        self.connects += 1
        self.role_warnings = role_warnings(conn.instructions)
        for warning in self.role_warnings:
            log.warning("the analytics database role %s (DATABASE_ALLOW_UNSAFE_ROLE is set)", warning)
        log.info("MCP server connected (connection %s)", self.connects)
        async with self._changed:
            self._changed.notify_all()
        if old is not None:  # its calls in flight finish first; then the process is closed
            asyncio.create_task(old.close(drain_s=self._timeout_s), name="mcp-retire")

    async def _open(self) -> ToolConnection:
        delay = 0.5
        while True:
            conn = ToolConnection(self._name, self._params, self._timeout_s)
            try:
                await conn.open()
                return conn
            except Exception as exc:
                log.warning("MCP server connect failed (%s); retrying in %.1fs", error_text(exc), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _supervise(self) -> None:
        while True:
            await self._install(await self._open())
            assert self._current is not None
            reason = await self._watch(self._current)
            log.warning("MCP server %s; starting a new one (its calls in flight may finish)", reason)

    async def _watch(self, conn: ToolConnection) -> str:
        """Return (why) when `conn` must be replaced: closed, or PING_FAILURES unanswered probes in a
        row while no call was answered either."""
        failures = 0
        while True:
            try:
                await asyncio.wait_for(self._suspect.wait(), PING_INTERVAL_S)
            except TimeoutError:
                pass
            self._suspect.clear()
            if conn.dead:
                return "connection closed"
            started = time.monotonic()
            if conn.last_answer >= started - PING_INTERVAL_S:
                failures = 0  # calls are being answered: that is the health check
                continue
            try:
                await conn.probe(PING_TIMEOUT_S)
                failures = 0
                continue
            except Exception as exc:
                if conn.dead or _closed(exc):
                    conn.dead = True
                    return f"connection closed ({error_text(exc)})"
                if conn.last_answer >= started:
                    failures = 0
                    continue
                failures += 1
                log.warning("MCP server probe failed (%s), %s in a row", error_text(exc), failures)
            if failures >= PING_FAILURES:
                return f"did not answer {failures} probes"
