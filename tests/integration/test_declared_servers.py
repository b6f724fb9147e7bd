"""Servers declared in MCP_SERVERS_FILE, under the worker's supervisor: the real notes MCP server over
streamable HTTP and stdio, started, killed and started again as a subprocess."""

from __future__ import annotations

import asyncio
import time

import psutil
import pytest
from agents.exceptions import UserError
from support.notes import STDIO_COMMAND, NotesServer
from support.waiting import wait_until

from agent_service.config import Settings
from agent_service.tools import supervisor
from agent_service.tools.catalog import parse_catalog
from agent_service.tools.supervisor import ToolServer

pytestmark = pytest.mark.integration


def _server(entry: dict, settings: Settings | None = None) -> ToolServer:
    settings = settings or Settings(mcp_timeout_s=5)
    declared = parse_catalog({"servers": [{"name": "notes", **entry}]}).servers[0]
    return ToolServer(declared.name, lambda: declared.client(settings.mcp_timeout_s), settings)


def _text(result) -> str:
    return result.content[0].text


@pytest.fixture(autouse=True)
def quick_probes(monkeypatch):
    monkeypatch.setattr(supervisor, "PING_INTERVAL_S", 0.2)
    monkeypatch.setattr(supervisor, "PING_TIMEOUT_S", 0.5)


async def test_an_http_server_lists_only_its_allowed_tools_and_answers():
    with NotesServer() as notes:
        server = _server({"url": notes.url, "tools": ["lookup_note"]})
        await server.start(10)
        try:
            assert [t.name for t in await server.list_tools()] == ["lookup_note"]
            assert "Note on launch" in _text(await server.call_tool("lookup_note", {"topic": "launch"}))
        finally:
            await server.stop()


async def test_a_server_down_at_start_fails_calls_at_once_and_connects_once_it_is_up():
    notes = NotesServer()
    server = _server({"url": notes.url})
    connected = []

    async def told(s):
        connected.append(s.name)

    server.on_connect = told
    server.launch()
    try:
        assert not await server.tried(10)
        started = time.monotonic()
        with pytest.raises(UserError, match="notes is unavailable"):
            await server.call_tool("lookup_note", {"topic": "x"})
        assert time.monotonic() - started < 1  # not held for MCP_TIMEOUT_S
        notes.start()
        await wait_until(lambda: server.ready, 30, what="the background reconnect")
        await wait_until(lambda: connected == ["notes"], 5, what="on_connect")
        assert "Note on x" in _text(await server.call_tool("lookup_note", {"topic": "x"}))
    finally:
        await server.stop()
        notes.kill()


async def test_a_call_lost_with_its_server_is_not_sent_again():
    server = _server(STDIO_COMMAND)
    await server.start(20)
    try:
        call = asyncio.create_task(server.call_tool("record_visit", {"seconds": 3}))
        await wait_until(
            lambda: server._current is not None and server._current.inflight == 1, 10, what="the call"
        )
        await asyncio.sleep(0.3)
        for proc in psutil.Process().children(recursive=True):
            if "tests.fakes.notes_server" in " ".join(proc.cmdline()):
                proc.kill()
        with pytest.raises(UserError, match="not sent again"):
            await call
        await wait_until(lambda: server.ready, 30, what="a new stdio server")
        assert _text(await server.call_tool("record_visit", {})) == "visits: 1"  # the new process's first
    finally:
        await server.stop()


async def test_an_http_server_that_dies_is_connected_again_once_it_is_back():
    notes = NotesServer().start()
    server = _server({"url": notes.url})
    await server.start(10)
    try:
        notes.kill()
        with pytest.raises(UserError):
            await server.call_tool("lookup_note", {"topic": "x"})
        await wait_until(lambda: not server.ready, 10, what="the dead connection to be seen")
        notes.start()
        await wait_until(lambda: server.ready, 30, what="the background reconnect")
        assert "Note on y" in _text(await server.call_tool("lookup_note", {"topic": "y"}))
        assert server.connects == 2
    finally:
        await server.stop()
        notes.kill()
