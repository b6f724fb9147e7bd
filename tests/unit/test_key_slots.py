"""Every Lua script call and every MULTI/EXEC the services make touches keys of ONE Redis Cluster hash
slot (contract/keys.py), checked with redis-py's own key_slot (CRC16 of the hash tag) on the real code
paths: the gateway with its fake worker (chat, a follow-up queued behind it and promoted, feedback,
rename, share, cancel, delete), the worker's queue, locks, heartbeat and history scripts, and a run
paused for approval (pause, decide, expire, cancel, and the reaper's re-push of a lost resume).

The check wraps redis-py where every such call passes (AsyncScript.__call__, the asyncio Pipeline's
execute), so a new script or a new key used in one cannot slip past it: it fails here, not first on
a production cluster with CROSSSLOT.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from agents.testing import ScriptedModel
from gateway_fixtures import chat_with_follow_up, gateway_settings, running_gateway
from redis.asyncio.client import Pipeline
from redis.cluster import key_slot
from redis.commands.core import AsyncScript
from support.keys import HEADERS_A
from support.waiting import wait_until
from worker_kit import make_runner
from worker_kit import settings as worker_settings

from agent_service.config import Settings as WorkerSettings
from agent_service.delivery.heartbeat import Heartbeat
from agent_service.delivery.reaper import Reaper
from agent_service.delivery.tasklock import TaskLocks
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.execution.history import Conversation, model_history
from backend.taskstore import TaskStore
from contract import ChatTask, EventLog, keys
from contract.approvals import Approval, Decision, Pauses

SCRIPTS = ("EVAL", "EVALSHA")
ALL_ARGS_ARE_KEYS = ("DEL", "UNLINK", "EXISTS", "WATCH", "MGET", "TOUCH")


def _keys_of(args: tuple) -> list[str]:
    name = str(args[0]).upper()
    if name in SCRIPTS:
        return [str(k) for k in args[3 : 3 + int(args[2])]]
    if name in ALL_ARGS_ARE_KEYS:
        return [str(k) for k in args[1:]]
    return [str(args[1])] if len(args) > 1 and name not in ("MULTI", "EXEC") else []


def _one_slot(names: list[str], what: str, seen: list) -> None:
    slots = {key_slot(name.encode()) for name in names}
    assert len(slots) <= 1, f"{what} spans slots {sorted(slots)}: {names}"
    if len(names) > 1:
        seen.append(what)


@pytest.fixture
def slot_rule(monkeypatch):
    """Asserts the one-slot rule on every script call and transaction; yields what it checked."""
    seen: list[str] = []
    call, execute, watch = AsyncScript.__call__, Pipeline.execute, Pipeline.watch

    async def checked_call(self, keys=[], args=[], client=None):  # noqa: B006 (redis-py's signature)
        _one_slot([str(k) for k in keys], "script", seen)
        return await call(self, keys, args, client)

    async def checked_execute(self, raise_on_error=True):
        stack = [args for args, _ in self.command_stack]
        if self.is_transaction or self.explicit_transaction:
            watched = [str(k) for k in getattr(self, "watched_for_slots", ())]
            _one_slot(watched + [k for args in stack for k in _keys_of(args)], "transaction", seen)
        for args in stack:
            if str(args[0]).upper() in SCRIPTS:
                _one_slot(_keys_of(args), "script in a pipeline", seen)
        return await execute(self, raise_on_error)

    async def recorded_watch(self, *names):
        self.watched_for_slots = names
        return await watch(self, *names)

    monkeypatch.setattr(AsyncScript, "__call__", checked_call)
    monkeypatch.setattr(Pipeline, "watch", recorded_watch)
    monkeypatch.setattr(Pipeline, "execute", checked_execute)
    return seen


CHAT = "/ai/api/chat/stream"


async def test_the_gateways_scripts_and_transactions_stay_in_one_slot(slot_rule, server, worker, redis):
    worker.hold = True
    async with running_gateway(gateway_settings(redis_cluster=True), server) as client:
        first, second, session_id = await chat_with_follow_up(client, redis)
        worker.hold = False  # the first's terminal event promotes the second
        one, two = await first, await second
        assert two.status_code == 200 and [t.message for t in worker.taken] == ["one", "two"]
        base, task_id = f"/ai/api/sessions/{session_id}", one.headers["X-Task-ID"]
        feedback = await client.put(f"{base}/feedback/{task_id}", json={"rating": "up"}, headers=HEADERS_A)
        assert feedback.status_code == 200
        assert (await client.patch(base, json={"title": "t"}, headers=HEADERS_A)).status_code == 200
        assert (await client.post(f"{base}/shares", headers=HEADERS_A)).status_code == 201
        worker.hold = True
        third = asyncio.create_task(client.post(CHAT, json={"message": "three"}, headers=HEADERS_A))
        queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
        cancel = await client.post(
            f"/ai/api/tasks/{ChatTask.model_validate_json(queued[0]).task_id}/cancel", headers=HEADERS_A
        )
        assert cancel.status_code in (200, 202)
        await third
        assert (await client.delete(base, headers=HEADERS_A)).status_code == 204
    assert {"script", "transaction"} <= set(slot_rule)


async def test_the_workers_scripts_stay_in_one_slot(slot_rule, redis):
    settings = WorkerSettings(redis_url="redis://fake:6379/0", worker_id="w1")
    task = ChatTask(session_id=uuid.uuid4().hex, owner="key:o", message="hi")
    other = ChatTask(session_id=uuid.uuid4().hex, owner="key:o", message="hi")
    await redis.hset(keys.task(task.task_id), "status", "queued")
    await redis.lpush(keys.TASK_QUEUE, task.model_dump_json(), other.model_dump_json())
    queue = TaskQueue(redis, redis, "w1")
    assert len(await queue.take_more(2)) == 2
    await redis.set(keys.task_lock(task.task_id), "a-dead-worker")
    assert await TaskLocks(redis, "w1", 5000).acquire(task.task_id)
    assert await queue.requeue(task.model_dump_json())
    await Conversation(redis, settings).rewind(task)
    await model_history(settings, redis, task.session_id).add_items([{"role": "user", "content": "hi"}])
    assert await redis.llen(keys.history_messages(task.session_id)) == 1
    heartbeat = Heartbeat(redis, worker_settings(), make_runner(redis, ScriptedModel([])))
    await heartbeat.beat()
    await heartbeat.remove()
    assert len(slot_rule) >= 4


async def _paused(store: TaskStore, pauses: Pauses, ttl_s: int) -> tuple[ChatTask, Approval]:
    """A new chat of the tasks agent whose run paused for one approval (the queue emptied: taken)."""
    task = ChatTask(session_id=uuid.uuid4().hex, owner="key:o", message="add a task x", agent="tasks")
    await store.enqueue(task, new_session=True)
    await store.redis.delete(keys.TASK_QUEUE)
    approval = Approval(approval_id=uuid.uuid4().hex, call_id="c1", tool="add_task", message="Add x?")
    assert await pauses.save(task, uuid.uuid4().hex, "{}", {}, [approval], ttl_s) is not None
    return task, approval


async def test_the_approval_scripts_stay_in_one_slot(slot_rule, redis):
    store = TaskStore(redis, EventLog(redis), gateway_settings(redis_cluster=True))
    settings = WorkerSettings(redis_url="redis://fake:6379/0", worker_id="w1")
    reaper = Reaper(redis, settings, TaskQueue(redis, redis, "w1"), owned=())
    pauses = Pauses(redis)
    (approved, yes), (expiring, _), (cancelled, _) = [await _paused(store, pauses, t) for t in (60, 0, 60)]

    record = await store.get(approved.task_id)
    assert await store.decide(record, yes.approval_id, Decision(approve=True)) == "resumed"
    await redis.delete(keys.TASK_QUEUE)  # its push lost, and its deadline left: the reaper settles it
    await pauses.deadlines.add(approved.task_id, record.pause, 0)
    assert await store.cancel(cancelled.task_id, await store.get(cancelled.task_id)) == "cancelled"
    assert await reaper.expire_approvals() == 1
    assert (await store.get(expiring.task_id)).status == "failed"
    assert [ChatTask.model_validate_json(p).resume for p in await redis.lrange(keys.TASK_QUEUE, 0, -1)] == [
        record.pause
    ]
    assert slot_rule.count("script") >= 9
