"""Admission by capacity: refused before anything is written (503 + Retry-After) when no worker is live
or the predicted wait for a slot is too long; /health shows the capacity."""

from __future__ import annotations

import asyncio
import time

from gateway_fixtures import gateway_settings, running_gateway, task_events
from support.keys import HEADERS_A

from contract import ChatTask, TaskField, WorkerBeat, keys

CHAT = "/ai/api/chat/stream"


async def busy_worker(redis, concurrency: int = 2, held: int = 2, run_s: float = 10.0) -> None:
    """A live worker holding `held` tasks in its processing list, whose runs take `run_s`."""
    beat = WorkerBeat(worker_id="w1", concurrency=concurrency, free_slots=concurrency - held, run_s=run_s)
    await redis.set(keys.heartbeat("w1"), beat.model_dump_json(), ex=60)
    await redis.sadd(keys.WORKERS, "w1")
    for i in range(held):
        await redis.lpush(keys.processing("w1"), f"held-{i}")


async def queued(redis, n: int, age_s: float = 0.0) -> None:
    for _ in range(n):
        task = ChatTask(session_id="s", owner="o", message="m", created_at=time.time() - age_s)
        await redis.hset(keys.task(task.task_id), mapping={TaskField.QUEUED_AT: time.time() - age_s})
        await redis.lpush(keys.TASK_QUEUE, task.model_dump_json())


async def nothing_written(redis, queue_depth: int) -> bool:
    sessions = [k async for k in redis.scan_iter(keys.session("*"))]
    return await redis.llen(keys.TASK_QUEUE) == queue_depth and not sessions


async def test_no_live_worker_is_refused_with_503_and_retry_after_before_anything_is_written(server, redis):
    async with running_gateway(gateway_settings(busy_retry_after_s=7), server) as client:
        response = await client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert "no worker" in response.json()["detail"]
    assert await nothing_written(redis, 0)


async def test_a_predicted_wait_over_the_limit_is_refused_with_retry_after(server, redis):
    await busy_worker(redis)  # no free slot; a slot frees every 5 s
    await queued(redis, 4)  # a new chat would be 5th in line: 25 s
    settings = gateway_settings(admit_max_wait_s=10, busy_retry_after_s=1)
    async with running_gateway(settings, server) as client:
        response = await client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A)
        health = (await client.get("/ai/api/health")).json()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "15"  # 25 s expected, 10 s allowed
    assert await nothing_written(redis, 4)
    capacity = health["capacity"]
    assert (capacity["slots"], capacity["free_slots"], capacity["queue_depth"]) == (2, 0, 4)
    assert capacity["predicted_wait_s"] == 25 and capacity["admitting"] is False


async def test_a_queue_whose_head_waited_too_long_is_refused_whatever_the_prediction(server, redis):
    await busy_worker(redis, run_s=0)  # no run finished yet: nothing to predict from
    await queued(redis, 1, age_s=30)
    async with running_gateway(gateway_settings(admit_max_wait_s=20), server) as client:
        response = await client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 10
    assert await nothing_written(redis, 1)


async def test_a_burst_is_admitted_only_up_to_the_wait_it_can_meet(server, redis):
    await busy_worker(redis)  # each chat in line adds 5 s: 4 fit in 20 s
    settings = gateway_settings(admit_max_wait_s=20, queue_timeout_s=1)
    async with running_gateway(settings, server) as client:
        responses = await asyncio.gather(
            *(client.post(CHAT, json={"message": f"q{i}"}, headers=HEADERS_A) for i in range(6))
        )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 200, 200, 200, 503, 503]
    for r in responses:
        if r.status_code == 200:
            assert task_events(r.content)[0]["type"] == "session"


async def test_health_shows_the_capacity_new_chats_are_admitted_by(server, redis):
    await busy_worker(redis, concurrency=4, held=1, run_s=8)
    await queued(redis, 1, age_s=2)
    async with running_gateway(gateway_settings(admit_max_wait_s=20), server) as client:
        body = (await client.get("/ai/api/health")).json()
    capacity = body["capacity"]
    assert body["workers_alive"] == capacity["workers_alive"] == 1
    assert (capacity["slots"], capacity["free_slots"], capacity["queue_depth"]) == (4, 3, 1)
    assert capacity["run_s"] == 8 and 1.5 < capacity["oldest_queued_s"] < 5
    assert capacity["wait_s"] == 0 and capacity["admitting"] is True
    assert body["workers"][0]["worker_id"] == "w1" and body["workers"][0]["free_slots"] == 3
