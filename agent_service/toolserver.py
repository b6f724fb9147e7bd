"""The worker's one MCP tool server (stdio subprocess), shared by every run, kept alive.

Why one per process: a stdio MCP session multiplexes concurrent calls (shared notes §4: five concurrent
runs on one MCPServerStdio returned correct, separate results), and one subprocess per run would cost a
Python start-up per question.
Why a supervisor task: MCPServerStdio.connect()/cleanup() enter and exit anyio cancel scopes, which must
happen in the same asyncio task, so one task owns the connection for its whole life: connect, watch
(PING_FAILURES pings in a row unanswered, or a run reporting a tool failure), clean up, reconnect with backoff.
Tool failures raise instead of becoming model-visible text (failure_error_function=None), so a run that
hits a dead server ends in ErrorEvent tool_error instead of a confused answer; ordinary tool errors
(bad SQL → MCP is_error result) still reach the model as text, and `custom_data_extractor` carries the
is_error flag to the ToolResultEvent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from agents.mcp import MCPServerStdio

from agent_service.config import Settings

log = logging.getLogger(__name__)

PING_INTERVAL_S = 5.0
PING_TIMEOUT_S = 10.0
PING_FAILURES = 3
"""Consecutive failed pings before a reconnect. A busy server (every run's SQL in its threads, a loaded
host) can miss one ping; reconnecting it then would fail every in-flight tool call of a healthy server.
A server that really died is noticed at once anyway: its calls fail and the run calls mark_broken()."""


def _tool_result_data(ctx: Any) -> dict[str, Any]:
    return {"is_error": bool(ctx.is_error)}


class ToolServer:
    def __init__(self, settings: Settings, params: dict[str, Any], name: str = "analytics") -> None:
        self.server = MCPServerStdio(
            params=params,
            name=name,
            cache_tools_list=True,
            client_session_timeout_seconds=settings.mcp_timeout_s,
            failure_error_function=None,
            custom_data_extractor=_tool_result_data,
        )
        self.ready = asyncio.Event()
        self._broken = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.connects = 0

    async def start(self, timeout_s: float = 60) -> None:
        """Start the supervisor and wait for the first connection (raises if it never comes)."""
        self._task = asyncio.create_task(self._supervise(), name="mcp-supervisor")
        try:
            await asyncio.wait_for(self.ready.wait(), timeout_s)
        except TimeoutError:
            await self.stop()
            raise RuntimeError(f"MCP server did not start within {timeout_s}s") from None

    async def wait_ready(self, timeout_s: float) -> None:
        """Wait (bounded) while a reconnect is in progress; a run that still finds no server fails
        with tool_error rather than waiting forever."""
        if not self.ready.is_set():
            try:
                await asyncio.wait_for(self.ready.wait(), timeout_s)
            except TimeoutError:
                log.warning("MCP server still not connected after %ss", timeout_s)

    def mark_broken(self) -> None:
        """A run saw a tool transport failure: reconnect now instead of at the next ping."""
        self._broken.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _supervise(self) -> None:
        delay = 0.5
        while True:
            try:
                await self.server.connect()
            except Exception as exc:
                log.warning("MCP server connect failed (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            self.connects += 1
            log.info("MCP server connected (connection %s)", self.connects)
            self.ready.set()
            delay = 0.5
            try:
                await self._watch()
            finally:
                self.ready.clear()
                try:
                    await self.server.cleanup()
                except Exception:
                    log.debug("MCP cleanup raised", exc_info=True)

    async def _watch(self) -> None:
        """Return when the server looks dead (PING_FAILURES failed pings in a row, or a reported tool
        failure)."""
        failures = 0
        while True:
            try:
                await asyncio.wait_for(self._broken.wait(), PING_INTERVAL_S)
            except TimeoutError:
                try:
                    session = self.server.session
                    if session is None:
                        raise RuntimeError("no session") from None
                    await asyncio.wait_for(session.send_ping(), PING_TIMEOUT_S)
                    failures = 0
                except Exception as exc:
                    failures += 1
                    log.warning("MCP server ping failed (%s), %s in a row", type(exc).__name__, failures)
                    if failures >= PING_FAILURES:
                        log.warning("MCP server unresponsive; reconnecting")
                        return
                continue
            self._broken.clear()
            log.warning("a run reported an MCP failure; reconnecting")
            return
