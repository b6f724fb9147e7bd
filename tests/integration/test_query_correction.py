"""Validate, run, correct — and dual output — through the worker's real path: TaskDelivery + the SDK's
Runner + the supervised AnalyticsServer over the real analytics subprocess, real Redis; only the model is
scripted (agents.testing.ScriptedModel)."""

from __future__ import annotations

import json

import pytest
from agents import Agent, RunConfig
from agents.testing import ScriptedModel, function_call

from agent_service.delivery.pickup import AgentSetup, TaskDelivery
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.tools.analytics import mcp_params
from agent_service.tools.analyticsclient import AnalyticsServer
from contract import TranscriptMessage, keys
from tests.unit.worker_kit import enqueue, events_of, settings, text_step

pytestmark = pytest.mark.integration

BROKEN = "SELECT nope FROM orders"
FIXED = "SELECT COUNT(*) AS n FROM orders"


@pytest.fixture
async def tools(tmp_path, redis_server):
    cfg = settings(sample_db_path=tmp_path / "sample.db", redis_url=redis_server.url)
    server = AnalyticsServer(cfg, mcp_params(cfg, redis_server.url))
    await server.start()
    yield server
    await server.stop()


async def _run(redis, tools, steps, message="How many orders?"):
    model = ScriptedModel(steps)
    agent = Agent(name="analytics", model=model, mcp_servers=[tools])
    cfg = settings()
    runner = TaskDelivery(
        cfg, redis, TaskQueue(redis, redis, cfg.worker_id), lambda _agent: AgentSetup(agent, RunConfig())
    )
    task, payload = await enqueue(redis, message)
    await runner.deliver(payload)
    return task, await events_of(redis, task.task_id), model


def _sql_call(sql: str, call_id: str):
    return [function_call("run_query", {"sql": sql}, call_id=call_id)]


def _outputs(model_call) -> list[str]:
    return [
        i["output"]
        for i in model_call.input
        if isinstance(i, dict) and i.get("type") == "function_call_output"
    ]


def _text(output) -> str:
    return "".join(p["text"] for p in output) if isinstance(output, list) else str(output)


async def test_a_broken_query_is_corrected_after_the_database_error_reaches_the_model(real_redis, tools):
    task, evs, model = await _run(
        real_redis, tools, [_sql_call(BROKEN, "c1"), _sql_call(FIXED, "c2"), text_step(["5000 orders."])]
    )
    steps = [
        (e.type, getattr(e, "call_id", None) or getattr(e, "stage", None)) for e in evs if e.type != "token"
    ]
    assert steps == [
        ("session", None),
        ("progress", "understanding"),
        ("tool", "c1"),
        ("progress", "validating"),
        ("tool_result", "c1"),
        ("tool", "c2"),
        ("progress", "validating"),
        ("progress", "querying"),
        ("tool_result", "c2"),
        ("data", "c2"),
        ("progress", "answering"),
        ("complete", None),
    ]
    failed = next(e for e in evs if e.type == "tool_result" and e.call_id == "c1")
    assert (
        failed.is_error
        and "dry run (EXPLAIN) failed" in failed.output
        and "no such column: nope" in failed.output
    )
    assert "failed attempt 1 of 3" in failed.output
    assert "no such column: nope" in _text(_outputs(model.calls[1])[0])  # the model read the error
    data = next(e for e in evs if e.type == "data")
    assert (data.sql, data.columns, data.rows, data.row_count) == (FIXED, ["n"], [[5000]], 1)
    assert [w.name for w in evs[-1].workflow].count("run_query") == 2
    progress = [e for e in evs if e.type == "progress"]
    assert [p.step for p in progress] == list(range(1, len(progress) + 1))
    assert all(p.total is None for p in progress)
    assert [p.elapsed_ms for p in progress] == sorted(p.elapsed_ms for p in progress)
    transcript = [
        TranscriptMessage.model_validate_json(m)
        for m in await real_redis.lrange(keys.session_transcript(task.session_id), 0, -1)
    ]
    stored = transcript[-1].tools
    assert [s.is_error for s in stored] == [True, False]
    assert stored[0].data is None and stored[1].data.rows == [[5000]]


async def test_after_sql_max_retries_failures_the_model_is_told_to_stop_and_further_attempts_are_refused(
    real_redis, tools
):
    steps = [_sql_call(f"SELECT nope{i} FROM orders", f"c{i}") for i in range(1, 5)]
    _, evs, model = await _run(real_redis, tools, [*steps, text_step(["I could not answer that."])])
    results = [e for e in evs if e.type == "tool_result"]
    assert [r.is_error for r in results] == [True] * 4
    assert "failed attempt 2 of 3" in results[1].output
    assert "the last one: do not call run_query again" in results[2].output and "nope3" in results[2].output
    assert results[3].output.startswith("run_query was not run: 3 attempts already failed")
    assert "nope4" not in results[3].output  # never reached the database
    stages = [e.stage for e in evs if e.type == "progress"]
    assert stages.count("validating") == 3 and stages.count("querying") == 0  # the 4th was not validated
    assert evs[-1].type == "complete"
    model.assert_complete()


async def test_the_model_gets_a_summary_and_the_client_every_row_of_a_large_result(real_redis, tools):
    _, evs, model = await _run(
        real_redis, tools, [_sql_call("SELECT id, total FROM orders ORDER BY id", "c1"), text_step(["ok"])]
    )
    data = next(e for e in evs if e.type == "data")
    seen = json.loads(_text(_outputs(model.calls[1])[0]))
    assert data.row_count == len(data.rows) == 200 and data.truncated
    assert seen["row_count"] == 200 and len(seen["rows"]) == 20 and seen["stats"]["id"]["max"] == 200
    result = next(e for e in evs if e.type == "tool_result")
    assert result.output["rows"] == seen["rows"]  # the tool_result shows what the model read


async def test_schema_lookups_hit_the_cache_from_the_second_run(real_redis, tools):
    for _ in range(3):
        _, evs, _ = await _run(
            real_redis, tools, [[function_call("list_tables", {}, call_id="t1")], text_step(["tables"])]
        )
        assert [e.stage for e in evs if e.type == "progress"][:2] == ["understanding", "exploring_schema"]
    stats = await real_redis.hgetall(keys.SCHEMA_CACHE_STATS)
    assert stats == {"hits": "2", "misses": "1"}
