"""At-least-once delivery without losing or double-running a task: locks, copies, hand-backs (fakeredis)."""

from __future__ import annotations

import asyncio
from collections import Counter

from agents.testing import ScriptedModel
from redis.exceptions import ConnectionError as RedisConnectionError
from worker_kit import enqueue, events_of, make_runner, settings, text_step, types

from agent_service.delivery import pickup as runner_module
from agent_service.delivery.heartbeat import Heartbeat
from agent_service.delivery.reaper import Reaper
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.execution.runstate import AgentSetup
from agent_service.redis_clients import RedisClients
from agent_service.worker import Worker
from contract import keys


def slow_model(n: int = 100) -> ScriptedModel:
    return ScriptedModel([text_step([f"t{i} " for i in range(n)], delay=0.02)])


async def test_lock_is_released_even_when_the_hand_back_fails(fake_redis):
    task, payload = await enqueue(fake_redis)
    runner = make_runner(fake_redis, slow_model())

    async def broken_requeue(*_a, **_k):
        raise RedisConnectionError("gone")

    runner.queue.requeue = broken_requeue
    run = asyncio.create_task(runner.deliver(payload))
    await asyncio.sleep(0.3)
    runner.stop_all("handback")
    await asyncio.wait_for(run, 5)
    assert not await fake_redis.exists(keys.task_lock(task.task_id))


async def test_requeue_deletes_this_workers_lock_but_not_another_workers(fake_redis):
    task, payload = await enqueue(fake_redis)
    queue = TaskQueue(fake_redis, fake_redis, "w-test")
    await fake_redis.set(keys.task_lock(task.task_id), "w-test")
    assert await queue.requeue(payload)
    assert not await fake_redis.exists(keys.task_lock(task.task_id))
    assert await fake_redis.lrange(keys.TASK_QUEUE, 0, -1) == [payload]
    await fake_redis.lmove(keys.TASK_QUEUE, keys.processing("w-test"), "RIGHT", "LEFT")
    await fake_redis.set(keys.task_lock(task.task_id), "other")
    assert await queue.requeue(payload)
    assert await fake_redis.get(keys.task_lock(task.task_id)) == "other"


async def test_orphan_sweep_requeues_the_task_and_deletes_the_lock_left_behind(fake_redis):
    task, payload = await enqueue(fake_redis)
    await fake_redis.set(keys.task_lock(task.task_id), "w-test")
    reaper = Reaper(fake_redis, settings(), TaskQueue(fake_redis, fake_redis, "w-test"), owned=Counter())
    await reaper.requeue_orphans()
    await reaper.requeue_orphans()
    assert await fake_redis.lrange(keys.TASK_QUEUE, 0, -1) == [payload]
    assert not await fake_redis.exists(keys.task_lock(task.task_id))


async def test_copy_locked_by_another_live_worker_goes_back_on_the_queue(fake_redis, monkeypatch):
    monkeypatch.setattr(runner_module, "DUPLICATE_RETRY_S", 0.05)
    model = ScriptedModel([])
    task, payload = await enqueue(fake_redis)
    await fake_redis.set(keys.heartbeat("other"), "{}")
    await fake_redis.set(keys.task_lock(task.task_id), "other", px=10_000)
    await make_runner(fake_redis, model).deliver(payload)
    assert await fake_redis.lrange(keys.TASK_QUEUE, 0, -1) == [payload]
    assert await fake_redis.llen(keys.processing("w-test")) == 0
    assert types(await events_of(fake_redis, task.task_id)) == ["session"] and model.calls == ()


async def test_task_behind_a_stale_lock_of_a_live_worker_runs_once_the_lock_expires(fake_redis, monkeypatch):
    monkeypatch.setattr(runner_module, "DUPLICATE_RETRY_S", 0.05)
    task, payload = await enqueue(fake_redis)
    await fake_redis.set(keys.heartbeat("other"), "{}")
    await fake_redis.set(keys.task_lock(task.task_id), "other", px=500)  # released by nobody
    runner = make_runner(fake_redis, ScriptedModel([text_step(["done"])]))
    for _ in range(100):
        await runner.deliver(payload)
        evs = await events_of(fake_redis, task.task_id)
        if evs[-1].terminal:
            break
        assert await fake_redis.lmove(keys.TASK_QUEUE, keys.processing("w-test"), "RIGHT", "LEFT")
    assert evs[-1].type == "complete"


async def test_second_copy_of_a_task_this_worker_runs_is_removed_without_running(fake_redis):
    model = ScriptedModel([text_step([f"t{i} " for i in range(20)], delay=0.02)])
    task, payload = await enqueue(fake_redis)
    runner = make_runner(fake_redis, model)
    first = asyncio.create_task(runner.deliver(payload))
    await asyncio.sleep(0.1)
    await fake_redis.lpush(keys.processing("w-test"), payload)  # the reaper re-queued it; we took it back
    await asyncio.wait_for(runner.deliver(payload), 2)
    assert await fake_redis.llen(keys.processing("w-test")) == 1 and task.task_id in runner.active
    await asyncio.wait_for(first, 10)
    assert len(model.calls) == 1 and (await events_of(fake_redis, task.task_id))[-1].type == "complete"
    assert await fake_redis.llen(keys.processing("w-test")) == 0


def worker(fake_redis, **over) -> Worker:
    cfg = settings(**over)
    return Worker(cfg, RedisClients.single(fake_redis), setup=AgentSetup(agent=None))  # type: ignore[arg-type]


async def test_one_copy_ending_does_not_un_own_the_other(fake_redis):
    w = worker(fake_redis)

    async def instant(_payload):
        return None

    w.delivery.deliver = instant
    w.owned["p"] += 2
    await w._deliver("p", asyncio.Semaphore(1))
    assert w.owned["p"] == 1 and "p" in w.owned
    await w._deliver("p", asyncio.Semaphore(1))
    assert "p" not in w.owned


async def test_worker_stays_registered_while_its_processing_list_holds_tasks(fake_redis):
    hb = Heartbeat(fake_redis, settings(), make_runner(fake_redis, ScriptedModel([])))
    await hb.beat()
    await fake_redis.lpush(keys.processing("w-test"), "left-behind")
    await hb.remove()
    assert not await fake_redis.exists(keys.heartbeat("w-test"))
    assert await fake_redis.sismember(keys.WORKERS, "w-test")
    await fake_redis.delete(keys.processing("w-test"))
    await hb.remove()
    assert not await fake_redis.sismember(keys.WORKERS, "w-test")


async def test_reaper_lock_taken_over_by_another_worker_is_not_deleted(fake_redis):
    reaper = Reaper(fake_redis, settings(worker_id="w-me"), TaskQueue(fake_redis, fake_redis, "w-me"), set())

    async def lock_expired_and_retaken():
        await fake_redis.set(keys.REAPER_LOCK, "w-other")
        return 0

    reaper.requeue_dead_workers = lock_expired_and_retaken
    await reaper.sweep()
    assert await fake_redis.get(keys.REAPER_LOCK) == "w-other"


async def test_worker_is_registered_before_its_first_blmove(fake_redis):
    w = worker(fake_redis)
    seen = []

    async def take(_timeout):
        seen.append(await fake_redis.sismember(keys.WORKERS, "w-test"))
        w.stopping.set()
        return None

    w.queue.take = take
    await asyncio.wait_for(w._consume(), 5)
    assert seen == [True]
