"""One connection to an MCP tool server (a stdio subprocess or a streamable HTTP session), as `ToolServer`
uses it: the SDK's client (`MCPServerStdio` / `MCPServerStreamableHttp`) made fresh for each connection.

Why an owner task: MCPServerStdio.connect()/cleanup() enter and exit anyio cancel scopes, which must
happen in the same asyncio task, so one task per connection connects, waits until it is told to
close, and cleans up. Closing waits for the calls in flight first (bounded), so retiring a connection
that still answers never fails a call.
It keeps what its health is judged by (`watch`, which the supervisor awaits): `last_answer` (the last time the server answered a
call or a probe; a JSON-RPC error reply is an answer too, a client-side timeout or a closed
connection is not) and `dead` (the transport closed: the subprocess is gone, or the HTTP server went away,
which mcp's streamable HTTP client reports with the same -32000 Connection closed).
A call that wants the server's MCP progress notifications (run_query's "validating"/"querying") goes to
the session directly with a progress callback: the SDK's `call_tool` has no way to pass one (only the
analytics server, on stdio, asks: that skips nothing the SDK adds but its HTTP error mapping). Every other
call goes through the SDK's `call_tool`, which on streamable HTTP sends one request at a time per
session and, with max_retry_attempts=0 (its default, kept), never re-sends a call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from agents.exceptions import UserError
from agents.mcp import MCPServerStdio, MCPServerStreamableHttp
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from contract.logfields import error_text

log = logging.getLogger(__name__)

_NOT_ANSWERS = {CONNECTION_CLOSED, REQUEST_TIMEOUT}


class ToolConnection:
    def __init__(self, server: MCPServerStdio | MCPServerStreamableHttp) -> None:
        self.server = server
        self.dead = False
        self.inflight = 0
        self.last_answer = 0.0
        self._idle = asyncio.Event()
        self._idle.set()
        self._close = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def open(self) -> None:
        """Start the subprocess and its session; raises what connect() raised."""
        opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._own(opened), name="mcp-connection")
        await opened
        self.last_answer = time.monotonic()

    async def _own(self, opened: asyncio.Future[None]) -> None:
        try:
            await self.server.connect()
        except BaseException as exc:
            self.dead = True
            if not opened.done():
                opened.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        if opened.done():  # the opener was cancelled while this connected: nobody will use it, close it
            self._close.set()
        else:
            opened.set_result(None)
        try:
            await self._close.wait()
        finally:
            self.dead = True
            try:
                await self.server.cleanup()
            except Exception:
                log.debug("MCP cleanup raised", exc_info=True)

    async def close(self, drain_s: float) -> None:
        """Let the calls in flight end (at most drain_s), then close the session and the process."""
        if drain_s > 0 and not self.dead:
            try:
                await asyncio.wait_for(self._idle.wait(), drain_s)
            except TimeoutError:
                log.warning("closing an MCP connection with %s call(s) still in flight", self.inflight)
        self._close.set()
        if self._task is not None:
            try:
                await self._task
            except asyncio.CancelledError:
                if not self._task.cancelled():
                    raise
            except Exception:
                log.debug("MCP connection task raised", exc_info=True)

    async def call(
        self, tool: str, arguments: dict[str, Any] | None, meta: dict[str, Any] | None, progress=None
    ):
        """Call `tool`; `progress` (async (progress, total, message)) receives the server's progress."""
        self.inflight += 1
        self._idle.clear()
        try:
            if progress is None:
                result = await self.server.call_tool(tool, arguments, meta=meta)
            else:
                session = self.server.session
                if session is None:
                    raise UserError("Server not initialized. Make sure you call `connect()` first.")
                result = await session.call_tool(tool, arguments, progress_callback=progress, meta=meta)
            self.last_answer = time.monotonic()
            return result
        except MCPError as exc:
            if exc.code == CONNECTION_CLOSED:
                self.dead = True
            elif exc.code not in _NOT_ANSWERS:
                self.last_answer = time.monotonic()
            raise
        finally:
            self.inflight -= 1
            if not self.inflight:
                self._idle.set()

    @property
    def instructions(self) -> str | None:
        """The MCP instructions the server sent (its reported status): from `server/discover` on a modern
        session, from `initialize` on a handshake-era one (the session knows which)."""
        return getattr(self.server.session, "instructions", None)

    async def probe(self, timeout_s: float) -> None:
        """One liveness request in the negotiated protocol's terms: `ping` is not part of MCP
        2026-07-28 (a server answers it with -32601), `server/discover` is, and has no side effects."""
        session = self.server.session
        if session is None:
            raise MCPError(CONNECTION_CLOSED, "no session")
        async with asyncio.timeout(timeout_s):
            version = session.protocol_version
            if version in MODERN_PROTOCOL_VERSIONS:
                await session.send_discover(version)
            else:
                await session.send_ping()
        self.last_answer = time.monotonic()

    async def watch(
        self, suspect: asyncio.Event, interval_s: float, timeout_s: float, failures_max: int
    ) -> str:
        """Return (why) when this connection must be replaced: closed, or `failures_max` unanswered
        probes in a row while no call was answered either. Probes every `interval_s` it is idle, and at
        once when `suspect` is set (a run saw a tool failure)."""
        failures = 0
        while True:
            try:
                await asyncio.wait_for(suspect.wait(), interval_s)
            except TimeoutError:
                pass
            suspect.clear()
            if self.dead:
                return "connection closed"
            started = time.monotonic()
            if self.last_answer >= started - interval_s:
                failures = 0  # calls are being answered: that is the health check
                continue
            try:
                await self.probe(timeout_s)
                failures = 0
                continue
            except Exception as exc:
                if self.dead or (isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED):
                    self.dead = True
                    return f"connection closed ({error_text(exc)})"
                if self.last_answer >= started:
                    failures = 0
                    continue
                failures += 1
                log.warning(
                    "MCP server %s probe failed (%s), %s in a row",
                    self.server.name,
                    error_text(exc),
                    failures,
                )
            if failures >= failures_max:
                return f"did not answer {failures} probes"
