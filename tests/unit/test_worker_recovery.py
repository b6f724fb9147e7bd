"""Reaper, heartbeat check and event translation: the worker's recovery rules on fakeredis."""

from __future__ import annotations

import json
import socket
import time

from worker_kit import enqueue, events_of, settings

from agent_service.config import Settings
from agent_service.delivery.heartbeat import check
from agent_service.delivery.reaper import Reaper
from agent_service.delivery.tasklock import TaskLocks
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.execution.translation import normalize_output, step_message
from contract import TaskField, keys


def reaper(redis, worker_id="w-me", **over) -> Reaper:
    cfg = settings(worker_id=worker_id, **over)
    return Reaper(redis, cfg, TaskQueue(redis, redis, worker_id), owned=set())


async def test_dead_workers_tasks_go_back_to_the_head_of_the_queue(fake_redis):
    task, payload = await enqueue(fake_redis)  # sits in agent:processing:w-test; w-test has no heartbeat
    await fake_redis.sadd(keys.WORKERS, "w-test", "w-me")
    await fake_redis.lpush(keys.TASK_QUEUE, "older-task")
    await reaper(fake_redis).sweep()
    assert await fake_redis.lrange(keys.TASK_QUEUE, -1, -1) == [payload]
    assert await fake_redis.llen(keys.processing("w-test")) == 0
    assert await fake_redis.smembers(keys.WORKERS) == {"w-me"}


async def test_live_workers_tasks_are_left_alone(fake_redis):
    await enqueue(fake_redis)
    await fake_redis.sadd(keys.WORKERS, "w-test")
    await fake_redis.set(keys.heartbeat("w-test"), "{}", ex=10)
    await reaper(fake_redis).sweep()
    assert await fake_redis.llen(keys.processing("w-test")) == 1


async def test_task_queued_longer_than_queue_timeout_fails_with_no_worker(fake_redis):
    task, payload = await enqueue(fake_redis)
    await fake_redis.delete(keys.processing("w-test"))
    stale = task.model_copy(update={"created_at": time.time() - 120}).model_dump_json().encode()
    await fake_redis.lpush(keys.TASK_QUEUE, stale)
    await reaper(fake_redis, queue_timeout_s=60).sweep()
    evs = await events_of(fake_redis, task.task_id)
    assert (evs[-1].type, evs[-1].code) == ("error", "no_worker")
    assert await fake_redis.llen(keys.TASK_QUEUE) == 0


async def test_redelivered_task_is_not_failed_for_queue_age(fake_redis):
    task, _ = await enqueue(fake_redis, **{TaskField.STATUS: "running"})
    stale = task.model_copy(update={"created_at": time.time() - 120}).model_dump_json().encode()
    await fake_redis.lpush(keys.TASK_QUEUE, stale)
    await reaper(fake_redis, queue_timeout_s=60).sweep()
    assert await fake_redis.llen(keys.TASK_QUEUE) == 1


async def test_orphan_in_own_processing_list_is_requeued_on_the_second_sweep(fake_redis):
    _, payload = await enqueue(fake_redis)  # in agent:processing:w-test, owned by no run
    r = reaper(fake_redis, worker_id="w-test")
    await r.requeue_orphans()
    assert await fake_redis.llen(keys.TASK_QUEUE) == 0
    await r.requeue_orphans()
    assert await fake_redis.lrange(keys.TASK_QUEUE, 0, -1) == [payload]


async def test_lock_of_a_dead_holder_is_taken_over_but_a_live_holders_is_not(fake_redis):
    locks = TaskLocks(fake_redis, "w-me", 10_000)
    await fake_redis.set(keys.task_lock("t1"), "w-dead", px=10_000)
    assert await locks.acquire("t1")
    await fake_redis.set(keys.heartbeat("w-live"), "{}")
    await fake_redis.set(keys.task_lock("t2"), "w-live", px=10_000)
    assert not await locks.acquire("t2")
    assert not await locks.renew("t2")


async def test_check_is_true_only_with_a_fresh_heartbeat(fake_redis):
    await fake_redis.sadd(keys.WORKERS, "w1")
    await fake_redis.set(keys.heartbeat("w1"), json.dumps({"pid": 1}), ex=10)
    assert await check(settings(worker_id="w1"), fake_redis)
    assert not await check(settings(worker_id="w2"), fake_redis)


async def test_check_without_worker_id_reports_on_this_hosts_workers(fake_redis):
    this_host = Settings()  # no WORKER_ID configured (compose replicas): this hostname's workers count
    await fake_redis.sadd(keys.WORKERS, "other-host-1-abc")
    await fake_redis.set(keys.heartbeat("other-host-1-abc"), "{}", ex=10)
    assert not await check(this_host, fake_redis)
    mine = f"{socket.gethostname()}-42-abcdef"
    await fake_redis.sadd(keys.WORKERS, mine)
    await fake_redis.set(keys.heartbeat(mine), "{}", ex=10)
    assert await check(this_host, fake_redis)


def test_mcp_text_output_is_parsed_as_json_when_it_is_json():
    assert normalize_output({"type": "text", "text": '{"rows": [[1]]}'}) == {"rows": [[1]]}
    assert normalize_output({"type": "text", "text": "Error executing tool run_query: no"}) == (
        "Error executing tool run_query: no"
    )


def test_tool_calls_get_human_step_messages():
    assert step_message("run_query", {"sql": "select 1"}) == "Running SQL query"
    assert step_message("list_tables", {}) == "Listing tables"
    assert step_message("describe_table", {"table": "orders"}) == "Describing table orders"
