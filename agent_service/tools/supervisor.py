"""The worker's supervised MCP tool servers: one connection per server, shared by every run, kept alive
without ever failing a call that a live server would have answered.

Every server the worker uses is one of these (`agents.mcp.MCPServer`), whatever its transport: the
bundled analytics server (tools/analyticsclient.py, a stdio subprocess) and each server declared in
MCP_SERVERS_FILE (tools/catalog.py makes the SDK client for it: `MCPServerStdio` or
`MCPServerStreamableHttp`). The connection underneath (`ToolConnection`) can be replaced while runs go on:
- Health: a connection is healthy while it answers. A call that succeeds counts as a probe, so the
  supervisor only probes an idle connection (every PING_INTERVAL_S). The probe follows the protocol
  version the session negotiated: `ping` does not exist in MCP 2026-07-28 (servers answer -32601
  Method not found, by design of that revision), so a modern session is probed with `server/discover`,
  a handshake-era one with `ping`. A probe that fails while calls keep succeeding does not count.
  Only PING_FAILURES failed probes in a row with no call answered meanwhile, or a closed connection
  (the subprocess died, the HTTP server went away), replace it.
- Replacement is make-before-break: the new connection is opened first, new calls go to it, and the old
  one is closed only once its calls in flight have ended (at most MCP_TIMEOUT_S, their own timeout).
  Connecting is retried in the background with backoff (0.5 s doubling to 10 s) for as long as the
  worker runs, so a server that is down at start-up, or dies later, comes back by itself.
- A server that is down (its last connect attempt failed) fails each call at once with a UserError
  naming it (the run ends in `error`/`tool_error`) instead of holding the run for MCP_TIMEOUT_S; other
  servers and the agents that do not use it are untouched. While a replacement is only being opened,
  calls wait for it (bounded by MCP_TIMEOUT_S).
- Resending: a call that finds its connection closed (-32000) is sent once more to the replacement only
  when `resend_calls` is set, as for the analytics tools (read-only and idempotent, so a dying server
  costs the run nothing but the wait). A declared server's tools may not be idempotent, so by default a
  call lost with its connection fails (it may or may not have run) and is never sent twice; listing
  tools or prompts is always safe to resend. The task list server resends too: a write is recorded
  under the chat task's and the tool call's ids (tools/tasks/store.py), so a resent one applies once.
- Capacity: at most MCP_MAX_INFLIGHT calls per server are sent at once; the rest wait here for a free
  slot, outside any request timeout, instead of piling up in the server (why one connection and not a
  pool: the measurements in tools/analyticsclient.py).
- `on_connect` (set by the agent registry) is told of every new connection, so the agents using this
  server get its tools once it is up, also when it was down at start-up.
Tool failures raise instead of becoming model-visible text (failure_error_function=None), so a run that
still cannot reach a server ends in ErrorEvent tool_error instead of a confused answer; ordinary tool
errors (an MCP is_error result) reach the model as text, and `custom_data_extractor` carries the
is_error flag to the ToolResultEvent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from agents.exceptions import UserError
from agents.mcp import MCPServer, MCPServerStdio, MCPServerStreamableHttp
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED

from agent_service.config import Settings
from agent_service.errors import ToolServerNotStarted
from agent_service.metrics import WorkerMetrics
from agent_service.observation import tool_call
from agent_service.tools.connection import ToolConnection
from contract.logfields import error_text

log = logging.getLogger(__name__)

PING_INTERVAL_S = 5.0
PING_TIMEOUT_S = 10.0
PING_FAILURES = 3
"""Failed probes in a row (with no call answered meanwhile) before an unresponsive connection is
replaced: a loaded host can delay one answer without the server being dead."""

SdkServer = MCPServerStdio | MCPServerStreamableHttp


def _closed(exc: BaseException) -> bool:
    return isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED


class ToolServer(MCPServer):
    resend_calls = False
    """Send a call whose connection closed under it once more, to the replacement (idempotent tools only)."""

    def __init__(
        self,
        name: str,
        make: Callable[[], SdkServer],
        settings: Settings,
        metrics: WorkerMetrics | None = None,
        **policies: Any,
    ) -> None:
        """`policies`: the SDK's per-server `tool_meta_resolver` and `require_approval`, which belong to
        the server (a subclass passes them: tools/tasks/client.py), so every agent using it gets them."""
        super().__init__(failure_error_function=None, custom_data_extractor=self._result_data, **policies)
        self._metrics = metrics
        self._name = name
        self._make = make
        """A fresh SDK client for the next connection (the tool filter, if any, is on it)."""
        self._timeout_s = settings.mcp_timeout_s
        self._slots = asyncio.Semaphore(settings.mcp_max_inflight)
        self._current: ToolConnection | None = None
        self._down = False
        """The last connect attempt failed: calls fail at once until one succeeds."""
        self._tried = asyncio.Event()
        """Set once the first connect attempt has ended, either way."""
        self._changed = asyncio.Condition()
        self._suspect = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.connects = 0
        self.on_connect: Callable[[ToolServer], Awaitable[None]] | None = None
        """Told of each new connection (the agent registry lists its tools again)."""

    @property
    def name(self) -> str:
        return self._name

    @property
    def ready(self) -> bool:
        return self._current is not None and not self._current.dead

    # -- lifecycle (the worker's; the SDK never connects servers itself) --------------------------

    async def start(self, timeout_s: float = 60) -> None:
        """Start the supervisor and wait for the first connection (raises if it never comes)."""
        self.launch()
        try:
            await self._connection(None, timeout_s, fail_fast=False)
        except UserError:
            await self.stop()
            raise ToolServerNotStarted(f"MCP server did not start within {timeout_s}s") from None

    def launch(self) -> None:
        """Start the supervisor without waiting: it connects, and reconnects, in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name=f"mcp-supervisor-{self._name}")

    async def tried(self, timeout_s: float) -> bool:
        """Wait (bounded) for the first connect attempt to end; True if the server is connected."""
        try:
            await asyncio.wait_for(self._tried.wait(), timeout_s)
        except TimeoutError:
            pass
        return self.ready

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
        with tool_error rather than waiting forever. A server that is down is not waited for."""
        try:
            await self._connection(None, timeout_s)
        except UserError:
            if not self._down:
                log.warning("MCP server %s still not connected after %ss", self._name, timeout_s)

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
        async with self._slots:
            return await self._on_live(
                tool_name, lambda c: c.call(tool_name, arguments, meta), resend=self.resend_calls
            )

    def _result_data(self, ctx: Any) -> dict[str, Any]:
        """What the ToolResultEvent carries besides the output."""
        return {"is_error": bool(ctx.is_error)}

    def _installed(self, conn: ToolConnection) -> None:
        """A new connection is live (a subclass reads what the server announced)."""

    async def list_prompts(self):
        return await self._on_live("list_prompts", lambda c: c.server.list_prompts())

    async def get_prompt(self, name: str, arguments: dict[str, Any] | None = None):
        return await self._on_live("get_prompt", lambda c: c.server.get_prompt(name, arguments))

    async def _on_live(
        self, what: str, request: Callable[[ToolConnection], Awaitable[Any]], resend: bool = True
    ) -> Any:
        """Send `request` on the live connection; if that connection turns out closed, once more on
        its replacement when `resend` (a call that may not be idempotent fails instead)."""
        conn = await self._connection(None, self._timeout_s)
        try:
            return await request(conn)
        except MCPError as exc:
            if not _closed(exc):
                raise
            conn.dead = True
            self._suspect.set()
            if not resend:
                raise UserError(
                    f"MCP server {self._name} closed the connection during {what}; the call was not "
                    "sent again (it may or may not have run)"
                ) from exc
            log.warning("MCP connection to %s closed under %s; sending it to the new one", self._name, what)
        conn = await self._connection(conn, self._timeout_s)
        return await request(conn)

    # -- supervision -------------------------------------------------------------------------------

    async def _connection(
        self, not_this: ToolConnection | None, timeout_s: float, fail_fast: bool = True
    ) -> ToolConnection:
        """The live connection (not `not_this`), waiting up to timeout_s for one (not at all for a
        server that is down, unless `fail_fast` is off)."""

        def usable() -> bool:
            c = self._current
            return c is not None and c is not not_this and not c.dead

        def settled() -> bool:
            return usable() or (fail_fast and self._down)

        try:
            async with asyncio.timeout(timeout_s):
                async with self._changed:
                    await self._changed.wait_for(settled)
        except TimeoutError:
            raise UserError(f"MCP server {self._name} not connected within {timeout_s}s") from None
        if not usable():
            raise UserError(f"MCP server {self._name} is unavailable (the worker keeps reconnecting it)")
        assert self._current is not None
        return self._current

    async def _install(self, conn: ToolConnection) -> None:
        old, self._current = self._current, conn
        self.connects += 1
        self._installed(conn)
        log.info("MCP server %s connected (connection %s)", self._name, self.connects)
        await self._set_down(False)
        if old is not None:  # its calls in flight finish first; then the process is closed
            asyncio.create_task(old.close(drain_s=self._timeout_s), name="mcp-retire")
        if self.on_connect is not None:
            asyncio.create_task(self._announce(), name=f"mcp-connected-{self._name}")

    async def _announce(self) -> None:
        assert self.on_connect is not None
        try:
            await self.on_connect(self)
        except Exception as exc:
            log.warning("MCP server %s: listing its tools failed (%s)", self._name, error_text(exc))

    async def _set_down(self, down: bool) -> None:
        self._down = down
        self._tried.set()
        async with self._changed:
            self._changed.notify_all()

    async def _open(self) -> ToolConnection:
        delay = 0.5
        while True:
            conn = ToolConnection(self._make())
            try:
                await conn.open()
                return conn
            except Exception as exc:
                if self._current is None or self._current.dead:
                    await self._set_down(True)
                log.warning(
                    "MCP server %s connect failed (%s); retrying in %.1fs", self._name, error_text(exc), delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _supervise(self) -> None:
        while True:
            await self._install(await self._open())
            assert self._current is not None
            reason = await self._current.watch(self._suspect, PING_INTERVAL_S, PING_TIMEOUT_S, PING_FAILURES)
            log.warning(
                "MCP server %s %s; connecting again (its calls in flight may finish)", self._name, reason
            )
