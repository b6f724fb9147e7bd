"""The worker's supervised MCP tool server against the real analytics server subprocess."""

from __future__ import annotations

import asyncio
import logging

import psutil
import pytest
from support.waiting import wait_until

from agent_service.config import Settings
from agent_service.tools import supervisor as toolserver
from agent_service.tools.analytics import mcp_params
from agent_service.tools.analyticsclient import AnalyticsServer
from agent_service.tools.connection import ToolConnection

pytestmark = pytest.mark.integration

SLOW_SQL = (
    "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r WHERE x < {n}) SELECT count(*) FROM r"
)


@pytest.fixture
async def tools(tmp_path, monkeypatch):
    monkeypatch.setattr(toolserver, "PING_INTERVAL_S", 0.2)
    monkeypatch.setattr(toolserver, "PING_TIMEOUT_S", 0.5)
    settings = Settings(sample_db_path=tmp_path / "sample.db", query_timeout_s=30, mcp_max_inflight=4)
    server = AnalyticsServer(settings, mcp_params(settings))
    await server.start()
    yield server
    await server.stop()


def _servers() -> list[psutil.Process]:
    return [
        p for p in psutil.Process().children(recursive=True) if "agent_service.tools.analytics" in p.cmdline()
    ]


def _alive(proc: psutil.Process) -> bool:
    return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE


def _count(result) -> int:
    assert not result.is_error, result.content
    return int(result.content[0].text.split('"rows": [[')[1].split("]")[0])


async def test_an_idle_server_answers_its_probes_and_is_kept(tools, caplog):
    caplog.set_level(logging.WARNING, logger="agent_service.tools")
    await asyncio.sleep(2)  # ~10 probe rounds, no calls
    assert tools.connects == 1
    assert "probe failed" not in caplog.text


async def test_failed_probes_do_not_replace_a_server_whose_calls_are_answered(tools, monkeypatch):
    async def failing_probe(self, timeout_s):
        raise TimeoutError

    monkeypatch.setattr(ToolConnection, "probe", failing_probe)
    results = []
    for _ in range(40):  # 2 s of calls, ~10 probe rounds
        results.append(await tools.call_tool("list_tables", {}))
        await asyncio.sleep(0.05)
    assert tools.connects == 1
    assert not any(r.is_error for r in results)


async def test_replacing_an_unresponsive_server_lets_its_call_in_flight_finish(tools, monkeypatch):
    async def failing_probe(self, timeout_s):
        raise TimeoutError

    first = _servers()
    call = asyncio.create_task(tools.call_tool("run_query", {"sql": SLOW_SQL.format(n=40_000_000)}))
    await asyncio.sleep(0.1)
    monkeypatch.setattr(ToolConnection, "probe", failing_probe)
    await wait_until(lambda: tools.connects == 2, 10, what="a new server (three probes unanswered)")
    assert not call.done()
    assert _count(await call) == 40_000_000  # answered by the old server, which was not killed under it
    await wait_until(lambda: not any(_alive(p) for p in first), 10, what="the drained server to exit")


async def test_a_call_in_flight_on_a_server_that_died_completes_on_its_replacement(tools):
    call = asyncio.create_task(tools.call_tool("run_query", {"sql": SLOW_SQL.format(n=3_000_000)}))
    # kill only once the call is on the server (a loaded machine may take longer than any fixed sleep
    # to send it), and well before the query can finish (~1 s of SQLite work)
    await wait_until(lambda: tools._current is not None and tools._current.inflight == 1, 10, what="the call")
    await asyncio.sleep(0.1)
    for proc in _servers():
        proc.kill()
    assert _count(await call) == 3_000_000
    assert tools.connects == 2


async def test_calls_beyond_the_inflight_cap_wait_instead_of_failing(tools, monkeypatch):
    call, seen = ToolConnection.call, []

    async def counted(self, *args):
        seen.append(self.inflight + 1)
        return await call(self, *args)

    monkeypatch.setattr(ToolConnection, "call", counted)
    sql = SLOW_SQL.format(n=200_000)
    results = await asyncio.gather(*(tools.call_tool("run_query", {"sql": sql}) for _ in range(20)))
    assert [_count(r) for r in results] == [200_000] * 20
    assert max(seen) == 4  # mcp_max_inflight


async def test_tool_calls_are_timed_by_tool_with_an_error_type_for_refused_sql(tmp_path):
    from prometheus_client import generate_latest

    from agent_service.metrics import WorkerMetrics

    metrics = WorkerMetrics()
    settings = Settings(sample_db_path=tmp_path / "sample.db")
    server = AnalyticsServer(settings, mcp_params(settings), metrics=metrics)
    await server.start()
    try:
        await server.call_tool("list_tables", {})
        await server.call_tool("run_query", {"sql": "DELETE FROM customers"})
    finally:
        await server.stop()
    text = generate_latest(metrics.registry).decode()
    assert (
        'gen_ai_execute_tool_duration_seconds_count{error_type="",gen_ai_tool_name="list_tables"} 1.0' in text
    )
    assert (
        'gen_ai_execute_tool_duration_seconds_count{error_type="tool_error",gen_ai_tool_name="run_query"} 1.0'
        in text
    )
