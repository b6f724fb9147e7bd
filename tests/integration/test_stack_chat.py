"""A chat end to end, on real parts: redis-server, the gateway under uvicorn and two worker processes
running the real Runner, the offline demo model and the real analytics MCP server, driven over HTTP."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx2
import pytest
import redis
from stack_kit import LiveStack, chat, seqs_contiguous
from support.keys import HEADERS_A, HEADERS_B, KEY_B
from support.waiting import wait_until_sync

from contract import keys

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live():
    with LiveStack(
        worker_env={"DEMO_TOKENS_PER_S": "0", "WORKER_CONCURRENCY": "50"},
        gateway_env={"MAX_STREAMS_PER_KEY": "100"},
    ) as stack:
        stack.gateway()
        stack.worker()
        stack.worker()
        stack.wait_workers(2)
        yield stack


def customers_in_sample_db() -> int:
    from agent_service.config import Settings

    with sqlite3.connect(Settings().sample_db_path) as db:
        return db.execute("select count(*) from customers").fetchone()[0]


async def test_chat_streams_session_tool_steps_tokens_and_complete(live, client):
    frames = await chat(client, live.urls[0], "How many customers are there?")
    assert frames.status == 200, frames.body
    assert frames.headers["content-type"].startswith("text/event-stream")
    task_id = frames.headers["x-task-id"]
    assert frames.headers["content-location"] == f"/ai/api/tasks/{task_id}/events"
    assert frames.types[0] == "session" and frames.types[-1] == "complete"
    assert {"tool", "tool_result", "token"} <= set(frames.types)
    assert all(e["task_id"] == task_id for e in frames.events)
    assert seqs_contiguous(frames.events)
    assert frames.ids == [str(e["seq"]) for e in frames.events]
    done = frames.terminal
    assert frames.text == done["response"]
    assert str(customers_in_sample_db()) in done["response"]
    assert "run_query" in done["tools"] and done["usage"]["total_tokens"] > 0 and done["workflow"]
    tool = next(e for e in frames.events if e["type"] == "tool" and e["name"] == "run_query")
    result = next(e for e in frames.events if e["type"] == "tool_result" and e["call_id"] == tool["call_id"])
    assert "select" in tool["arguments"]["sql"].lower() and tool["message"]
    assert result["output"]["rows"]


async def test_follow_up_in_the_same_session_sees_the_earlier_turn(live, client):
    first = await chat(client, live.urls[0], "Top 3 customers by revenue")
    session_id = first.events[0]["session_id"]
    follow = await chat(client, live.urls[0], "What did I ask before?", session_id=session_id)
    assert follow.events[0] == {**follow.events[0], "type": "session", "session_id": session_id}
    assert follow.terminal["type"] == "complete"
    assert "Top 3 customers by revenue" in follow.terminal["response"]


async def test_fifty_concurrent_chats_all_complete_with_contiguous_seq(live, client):
    questions = ["How many orders are there?", "Top 5 products by revenue", "Total revenue per country"]
    results = await asyncio.gather(*(chat(client, live.urls[0], questions[i % 3]) for i in range(50)))
    assert [r.status for r in results] == [200] * 50
    assert len({r.task_id for r in results}) == 50
    for r in results:
        assert r.terminal["type"] == "complete", r.events[-1]
        assert seqs_contiguous(r.events)
        assert r.text == r.terminal["response"]


async def test_wrong_or_missing_key_is_401(live, client):
    for headers in ({}, {"X-API-Key": "nope"}):
        resp = await client.post(
            f"{live.urls[0]}/ai/api/chat/stream", json={"message": "hi"}, headers=headers
        )
        assert resp.status_code == 401 and "detail" in resp.json()


async def test_empty_message_wrong_types_and_invalid_json_are_422(live, client):
    url, h = f"{live.urls[0]}/ai/api/chat/stream", HEADERS_A
    assert (await client.post(url, json={"message": "  "}, headers=h)).status_code == 422
    assert (await client.post(url, json={"message": 42}, headers=h)).status_code == 422
    bad = await client.post(url, content=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert bad.status_code == 422 and "detail" in bad.json()


async def test_message_over_the_limit_is_413_and_nothing_is_enqueued(live, client):
    r = redis.Redis.from_url(live.redis.url)

    def written() -> set:  # what an enqueue writes (stream slots of earlier tests come and go)
        return set(r.keys(keys.task("*"))) | set(r.keys(keys.session("*")))

    before = written()
    resp = await client.post(
        f"{live.urls[0]}/ai/api/chat/stream", json={"message": "x" * 16001}, headers=HEADERS_A
    )
    assert resp.status_code == 413 and "16000" in resp.json()["detail"]
    assert r.llen(keys.TASK_QUEUE) == 0 and written() == before


async def test_another_keys_session_is_404_and_nothing_is_enqueued(live, client):
    mine = await chat(client, live.urls[0], "How many products are there?")
    r = redis.Redis.from_url(live.redis.url)
    tasks_before = len(r.keys(keys.task_events("*")))
    theirs = await chat(client, live.urls[0], "hi", key=KEY_B, session_id=mine.events[0]["session_id"])
    assert theirs.status == 404
    assert len(r.keys(keys.task_events("*"))) == tasks_before


async def test_rate_limit_is_429_with_retry_after_per_key(live, client):
    url = live.gateway(KEY_RATE_LIMIT="2/minute")  # a key used alone has the key's budget
    for _ in range(2):
        assert (await chat(client, url, "How many products are there?", key=KEY_B)).status == 200
    resp = await client.post(f"{url}/ai/api/chat/stream", json={"message": "x"}, headers=HEADERS_B)
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) > 0
    ok = await chat(client, url, "How many customers are there?")  # another key has its own budget
    assert ok.status == 200


async def test_health_is_503_while_redis_is_down_and_200_when_it_returns(live, client):
    url = live.urls[0]
    assert (await client.get(f"{url}/ai/api/health")).json()["status"] == "healthy"
    live.redis.stop()
    try:
        resp = await client.get(f"{url}/ai/api/health", timeout=10)
        assert resp.status_code == 503 and resp.json()["status"] == "unhealthy"
        assert (await client.get(f"{url}/ai/api/health/live")).status_code == 200
    finally:
        live.redis.start()

    def healthy():
        r = httpx2.get(f"{url}/ai/api/health", timeout=5)
        return r.status_code == 200 and r.json()["workers_alive"] >= 2

    wait_until_sync(healthy, timeout=30)
    after = await chat(client, url, "How many customers are there?")
    assert after.terminal["type"] == "complete", after.events


async def test_the_json_chat_answers_with_tool_calls_query_results_and_usage(live, client):
    response = await client.post(
        f"{live.urls[0]}/ai/api/chat",
        json={"message": "How many customers are there?"},
        headers=HEADERS_A,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "complete" and str(customers_in_sample_db()) in body["response"]
    query = next(c for c in body["tool_calls"] if c["name"] == "run_query")
    assert "select" in query["arguments"]["sql"].lower() and query["output"] and not query["is_error"]
    assert body["data"] and body["data"][0]["rows"]
    assert body["usage"]["total_tokens"] > 0 and body["workflow"]
    assert body["timings"]["first_token_ms"] <= body["timings"]["total_ms"]
