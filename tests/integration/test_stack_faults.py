"""Faults end to end, on real parts: SIGKILLed workers, a Redis outage, client drops, a gateway
drained by SIGTERM, cancels at every stage, and the queue / stream caps. Real redis-server (with AOF, as
in docker-compose), real gateway and worker processes, the demo model at a slow token rate (10 tokens/s)."""

from __future__ import annotations

import asyncio
import signal
import time

import httpx2
import pytest
from stack_kit import Frames, LiveStack, chat, read_frames, rejoin, seqs_contiguous
from support.keys import HEADERS_A, HEADERS_B, KEY_B
from support.waiting import wait_until_sync

pytestmark = pytest.mark.integration

SLOW_ANSWER = "Total revenue per country"  # a long answer: a table with a row per country


@pytest.fixture
def live():
    with LiveStack(
        # 10 tokens/s: every answer is still streaming for seconds when the fault is injected
        worker_env={"DEMO_TOKENS_PER_S": "10", "WORKER_CONCURRENCY": "20", "MAX_ATTEMPTS": "3"},
        gateway_env={"MAX_STREAMS_PER_KEY": "100"},
        appendonly=True,
    ) as stack:
        yield stack


def assert_well_formed(frames, allow_error: bool = False) -> None:
    """Ends in a terminal event, contiguous seq from 0, and the shown answer equals the final one."""
    assert frames.terminal is not None, frames.types[-5:]
    assert seqs_contiguous(frames.events), [e["seq"] for e in frames.events]
    if frames.terminal["type"] == "complete":
        assert frames.text == frames.terminal["response"]
    else:
        assert allow_error and frames.terminal["type"] == "error", frames.terminal


async def test_sigkill_of_one_of_two_workers_redelivers_its_runs(live, client):
    url = live.gateway()
    victim, _survivor = live.worker(), live.worker()
    live.wait_workers(2)
    streams = [asyncio.create_task(chat(client, url, SLOW_ANSWER)) for _ in range(20)]
    await asyncio.sleep(2.5)  # every run is mid-answer (20 runs over two workers)
    victim.signal(signal.SIGKILL)
    results = await asyncio.wait_for(asyncio.gather(*streams), timeout=120)
    for frames in results:
        assert_well_formed(frames, allow_error=True)
        assert frames.types.count("retry") <= 1
    retried = [f for f in results if "retry" in f.types]
    assert retried, "the killed worker held some of the runs"
    assert [f.terminal for f in retried if f.terminal["type"] != "complete"] == []


async def test_redis_outage_of_five_seconds_with_live_streams(live, client):
    url = live.gateway()
    live.worker()
    live.worker()
    live.wait_workers(2)
    streams = [asyncio.create_task(chat(client, url, SLOW_ANSWER)) for _ in range(6)]
    await asyncio.sleep(1.5)
    live.redis.stop()
    await asyncio.sleep(0.5)
    assert (await client.get(f"{url}/ai/api/health/ready", timeout=10)).status_code == 503
    await asyncio.sleep(4.5)
    live.redis.start()
    wait_until_sync(
        lambda: httpx2.get(f"{url}/ai/api/health/ready", timeout=5).status_code == 200, timeout=30
    )
    results = await asyncio.wait_for(asyncio.gather(*streams), timeout=120)
    for frames in results:
        assert_well_formed(frames)  # Redis kept everything (AOF): every run completes, retried or not
    after = await chat(client, url, "How many customers are there?")
    assert after.terminal["type"] == "complete"


async def test_client_drops_and_rejoins_on_another_gateway_without_gap_or_duplicate(live, client):
    first, second = live.gateway(), live.gateway()
    live.worker()
    live.wait_workers(1)
    part = await chat(client, first, SLOW_ANSWER, stop_after=14)  # the connection closes mid-answer
    assert part.terminal is None and "token" in part.types
    rest = await rejoin(client, second, part.task_id, last_event_id=part.events[-1]["seq"])
    assert rest.status == 200
    joined = part.events + rest.events
    assert seqs_contiguous(joined)
    done = rest.terminal
    assert done["type"] == "complete"
    assert "".join(e["content"] for e in joined if e["type"] == "token") == done["response"]


async def test_rejoining_a_finished_task_replays_from_the_cursor_then_204_after_the_end(live, client):
    url = live.gateway()
    live.worker()
    live.wait_workers(1)
    whole = await chat(client, url, "How many customers are there?")
    tail = await rejoin(client, url, whole.task_id, last_event_id=2)
    assert [e["seq"] for e in tail.events] == [e["seq"] for e in whole.events[3:]]
    done = await rejoin(client, url, whole.task_id, last_event_id=whole.terminal["seq"])
    assert done.status == 204
    assert (await rejoin(client, url, "0" * 32, last_event_id=None)).status == 204
    assert (await rejoin(client, url, whole.task_id, None, key=KEY_B)).status == 404


async def test_gateway_sigterm_sends_reconnect_and_the_client_resumes_elsewhere(live, client):
    draining, other = live.gateway(), live.gateway()
    live.worker()
    live.wait_workers(1)
    stream = asyncio.create_task(chat(client, draining, SLOW_ANSWER))
    await asyncio.sleep(1.5)
    live.stack.gateways[0].signal(signal.SIGTERM)
    await asyncio.sleep(0.3)
    ready = await client.get(f"{draining}/ai/api/health/ready")
    assert ready.status_code == 503
    part = await asyncio.wait_for(stream, timeout=30)
    assert part.terminal is None and part.retry_frames >= 1
    rest = await rejoin(client, other, part.task_id, last_event_id=part.events[-1]["seq"])
    joined = part.events + rest.events
    assert seqs_contiguous(joined) and rest.terminal["type"] == "complete"
    assert "".join(e["content"] for e in joined if e["type"] == "token") == rest.terminal["response"]


async def test_cancel_while_queued_ends_the_stream_cancelled(live, client):
    url = live.gateway()
    live.idle_worker()  # a live worker that takes nothing: the task stays queued
    async with client.stream(
        "POST", f"{url}/ai/api/chat/stream", headers=HEADERS_A, json={"message": "hi"}, timeout=30
    ) as resp:
        task_id = resp.headers["x-task-id"]
        cancel = await client.post(f"{url}/ai/api/tasks/{task_id}/cancel", headers=HEADERS_A)
        assert cancel.status_code in (200, 202)
        frames = await read_frames(resp, Frames(resp.status_code, resp.headers))
    assert frames.types == ["session", "cancelled"]
    status = await client.get(f"{url}/ai/api/tasks/{task_id}", headers=HEADERS_A)
    assert status.json()["status"] == "cancelled"


async def test_cancel_while_tokens_stream_stops_the_run_within_a_second(live, client):
    url = live.gateway()
    live.worker()
    live.wait_workers(1)
    async with client.stream(
        "POST",
        f"{url}/ai/api/chat/stream",
        headers=HEADERS_A,
        json={"message": SLOW_ANSWER},
        timeout=60,
    ) as resp:
        task_id = resp.headers["x-task-id"]
        types, cancelled_at = [], None
        async for line in resp.aiter_lines():
            if not line.startswith("data:"):
                continue
            kind = line.split('"type":"', 1)[1].split('"', 1)[0]
            types.append(kind)
            if kind == "token" and cancelled_at is None:
                await client.post(f"{url}/ai/api/tasks/{task_id}/cancel", headers=HEADERS_A)
                cancelled_at = time.monotonic()
            if kind in ("complete", "error", "cancelled"):
                break
    assert types[-1] == "cancelled"
    assert time.monotonic() - cancelled_at < 1.5
    assert types.count("token") <= 12  # at most ~1 s of tokens at 10/s after the cancel


async def test_cancel_of_another_keys_task_is_404(live, client):
    url = live.gateway()
    live.idle_worker()
    frames = await chat(client, url, "How many customers are there?", stop_after=1)
    resp = await client.post(f"{url}/ai/api/tasks/{frames.task_id}/cancel", headers=HEADERS_B)
    assert resp.status_code == 404
    mine = await client.post(f"{url}/ai/api/tasks/{frames.task_id}/cancel", headers=HEADERS_A)
    assert mine.status_code in (200, 202)
    again = await client.post(f"{url}/ai/api/tasks/{frames.task_id}/cancel", headers=HEADERS_A)
    assert again.status_code in (200, 202)  # idempotent


async def test_queue_depth_over_the_cap_is_503_with_retry_after(live, client):
    url = live.gateway(MAX_QUEUE_DEPTH="2")
    live.idle_worker()  # takes nothing: tasks stay queued
    streams = [asyncio.create_task(chat(client, url, f"q{i}")) for i in range(2)]
    await asyncio.sleep(1)
    resp = await client.post(f"{url}/ai/api/chat/stream", json={"message": "one more"}, headers=HEADERS_A)
    assert resp.status_code == 503 and int(resp.headers["retry-after"]) > 0
    for s in streams:
        s.cancel()


async def test_open_streams_over_the_per_key_cap_are_429(live, client):
    url = live.gateway(MAX_STREAMS_PER_KEY="2")
    live.idle_worker()  # takes nothing: streams stay open
    streams = [asyncio.create_task(chat(client, url, f"q{i}")) for i in range(2)]
    await asyncio.sleep(1)
    resp = await client.post(f"{url}/ai/api/chat/stream", json={"message": "one more"}, headers=HEADERS_A)
    assert resp.status_code == 429
    other = await client.post(f"{url}/ai/api/chat/stream", json={"message": "x" * 20000}, headers=HEADERS_B)
    assert other.status_code == 413  # the other key is not capped (and long messages are refused first)
    for s in streams:
        s.cancel()


async def test_a_cancelled_turn_keeps_the_earlier_answered_turns_in_the_session(live, client):
    url = live.gateway()
    live.worker()
    live.wait_workers(1)
    first = await chat(client, url, "How many customers are there?")
    session_id = first.events[0]["session_id"]
    async with client.stream(
        "POST",
        f"{url}/ai/api/chat/stream",
        headers=HEADERS_A,
        json={"message": SLOW_ANSWER, "session_id": session_id},
        timeout=60,
    ) as resp:
        task_id = resp.headers["x-task-id"]
        async for line in resp.aiter_lines():
            if '"type":"token"' in line:
                await client.post(f"{url}/ai/api/tasks/{task_id}/cancel", headers=HEADERS_A)
                break
    wait_until_sync(
        lambda: (
            httpx2.get(f"{url}/ai/api/tasks/{task_id}", headers=HEADERS_A).json()["status"] == "cancelled"
        ),
        timeout=30,
    )
    session = (await client.get(f"{url}/ai/api/sessions/{session_id}", headers=HEADERS_A)).json()
    roles = [(m["role"], m.get("status")) for m in session["messages"]]
    assert roles[:2] == [("user", None), ("assistant", "completed")]
    assert session["messages"][1]["text"] == first.terminal["response"]
    follow = await chat(client, url, "What did I ask before?", session_id=session_id)
    assert follow.terminal["type"] == "complete"
    assert (
        "How many customers are there?" in follow.terminal["response"]
        or SLOW_ANSWER in follow.terminal["response"]
    )


async def test_a_run_whose_only_worker_died_ends_with_worker_lost(live, client):
    url = live.gateway(QUEUE_TIMEOUT_S="3")
    only = live.worker(QUEUE_TIMEOUT_S="3")
    live.wait_workers(1)
    stream = asyncio.create_task(chat(client, url, SLOW_ANSWER))
    await asyncio.sleep(1.5)
    only.signal(signal.SIGKILL)
    frames = await asyncio.wait_for(stream, timeout=30)
    assert frames.terminal["type"] == "error" and frames.terminal["code"] == "worker_lost"
    assert seqs_contiguous(frames.events)
