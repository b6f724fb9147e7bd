"""Both services on a real 3-master Redis Cluster (tests/support/cluster.py), REDIS_CLUSTER=true.

Each test runs the services' own code with the cluster clients they build (backend/connections.py,
agent_service/redis_clients.py): every script and transaction must find its keys in one slot, the
queue must keep its public name, and pub/sub must reach across nodes; a run paused for approval
resumes through the steps that run beside its scripts (the deadline, the push onto agent:tasks).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx2
import pytest
import redis
from approval_kit import decided, paused
from redis.exceptions import ConnectionError
from stack_kit import LiveStack, chat, seqs_contiguous
from support.keys import HEADERS_A, KEY_A

from agent_service.config import Settings as WorkerSettings
from agent_service.delivery.heartbeat import queue_beat
from agent_service.delivery.tasklock import TaskLocks
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.redis_clients import RedisClients
from backend.config import Settings as GatewaySettings
from backend.connections import connect
from backend.relay import Relay
from backend.taskstore import TaskStore
from contract import (
    ChatTask,
    CompleteEvent,
    EventLog,
    SessionField,
    TokenEvent,
    TranscriptMessage,
    Turn,
    keys,
)
from contract.workers import WorkerBeat

pytestmark = pytest.mark.integration


def _gateway_settings(url: str) -> GatewaySettings:
    return GatewaySettings(redis_url=url, redis_cluster=True, api_keys=KEY_A)


@pytest.fixture
async def gateway_redis(clean_cluster, redis_cluster):
    client = connect(_gateway_settings(redis_cluster.url), "commands")
    yield client
    await client.aclose()


@pytest.fixture
async def worker_clients(clean_cluster, redis_cluster):
    clients = RedisClients.from_settings(WorkerSettings(redis_url=redis_cluster.url, redis_cluster=True))
    yield clients
    await clients.aclose()


def _task(session_id: str | None = None, **extra) -> ChatTask:
    return ChatTask(session_id=session_id or uuid.uuid4().hex, owner="key:o", message="hi", **extra)


def _turn(task: ChatTask) -> Turn:
    user = TranscriptMessage(role="user", text=task.message, task_id=task.task_id, created_at=1.0)
    answer = TranscriptMessage(
        role="assistant", text="a", task_id=task.task_id, created_at=2.0, status="completed"
    )
    return Turn(user=user, assistant=answer, owner=task.owner, ttl_s=60)


async def test_the_keys_of_a_task_and_its_session_land_on_one_node_and_the_queue_keeps_its_name(
    gateway_redis, redis_cluster
):
    task = _task()
    await TaskStore(gateway_redis, EventLog(gateway_redis), _gateway_settings(redis_cluster.url)).enqueue(
        task, new_session=True
    )
    assert await gateway_redis.llen("agent:tasks") == 1
    slots = {gateway_redis.keyslot(k) for k in (keys.task(task.task_id), keys.session(task.session_id))}
    assert len(slots) == 1


async def test_enqueue_append_and_read_run_on_a_cluster(gateway_redis, redis_cluster):
    task = _task()
    log = EventLog(gateway_redis)
    await TaskStore(gateway_redis, log, _gateway_settings(redis_cluster.url)).enqueue(task, new_session=True)
    assert (await log.append(TokenEvent(task_id=task.task_id, content="a"), session_id=task.session_id)).ok
    complete = CompleteEvent(task_id=task.task_id, response="a", session_id=task.session_id)
    assert (await log.append(complete, session_id=task.session_id, turn=_turn(task))).ok
    assert [e.seq for e in await log.read(task.task_id)] == [0, 1, 2]
    assert (await log.last(task.task_id)).terminal
    transcript = await gateway_redis.lrange(keys.session_transcript(task.session_id), 0, -1)
    assert [json.loads(m)["role"] for m in transcript] == ["user", "assistant"]
    assert await gateway_redis.zscore(keys.owner_sessions(task.owner), task.session_id) == 2.0


async def test_a_terminal_event_promotes_the_sessions_next_task_onto_agent_tasks(
    gateway_redis, redis_cluster
):
    store = TaskStore(gateway_redis, EventLog(gateway_redis), _gateway_settings(redis_cluster.url))
    first = _task()
    await store.enqueue(first, new_session=True)
    follow_up = _task(first.session_id, multitask="enqueue")
    assert (await store.enqueue(follow_up, new_session=False)).queued_behind == first.task_id
    await gateway_redis.delete("agent:tasks")
    complete = CompleteEvent(task_id=first.task_id, response="a", session_id=first.session_id)
    assert (await store.log.append(complete, session_id=first.session_id)).ok
    assert [json.loads(p)["task_id"] for p in await gateway_redis.lrange("agent:tasks", 0, -1)] == [
        follow_up.task_id
    ]
    assert (
        await gateway_redis.hget(keys.session(first.session_id), SessionField.ACTIVE_TASK)
        == follow_up.task_id
    )


async def test_a_worker_takes_locks_and_acks_a_task_on_a_cluster(
    gateway_redis, worker_clients, redis_cluster
):
    task = _task()
    await TaskStore(gateway_redis, EventLog(gateway_redis), _gateway_settings(redis_cluster.url)).enqueue(
        task, new_session=True
    )
    queue = TaskQueue(worker_clients.command, worker_clients.blocking, "w1")
    payload = await queue.take(1)
    assert json.loads(payload)["task_id"] == task.task_id
    await worker_clients.command.set(keys.heartbeat("w1"), "{}", ex=10)
    assert await TaskLocks(worker_clients.command, "w1", 5000).acquire(task.task_id)
    assert not await TaskLocks(worker_clients.command, "w2", 5000).acquire(task.task_id)
    assert await queue.requeue(payload) and await gateway_redis.llen("agent:tasks") == 1
    assert not await worker_clients.command.exists(keys.task_lock(task.task_id))
    payload = await queue.take(1)
    await queue.done(payload)
    assert await queue.in_processing() == [] and await gateway_redis.llen("agent:tasks") == 0


async def test_the_liveness_threads_beat_renews_locks_in_every_slot(worker_clients, clean_cluster):
    task_ids = [keys.task_id_for(uuid.uuid4().hex) for _ in range(6)]
    for task_id in task_ids:
        await worker_clients.command.set(keys.task_lock(task_id), "w1", px=1000)
    pipe = worker_clients.sync.pipeline(transaction=False)
    queue_beat(pipe, WorkerBeat(worker_id="w1"), 30, task_ids)
    assert pipe.execute()[2:] == [1] * 6
    assert all([await worker_clients.command.pttl(keys.task_lock(t)) > 1000 for t in task_ids])
    assert await worker_clients.command.sismember(keys.WORKERS, "w1")


async def test_a_lock_whose_holder_has_no_heartbeat_is_taken_over(worker_clients, clean_cluster):
    task_id = keys.task_id_for(uuid.uuid4().hex)
    assert await TaskLocks(worker_clients.command, "dead", 5000).acquire(task_id)
    assert await TaskLocks(worker_clients.command, "w2", 5000).acquire(task_id)
    assert await worker_clients.command.get(keys.task_lock(task_id)) == "w2"


async def test_the_relay_hears_an_event_published_from_another_node(gateway_redis, redis_cluster):
    settings = _gateway_settings(redis_cluster.url)
    relay = Relay(connect(settings, "pubsub"), queue_size=100, subscribe_timeout_s=5)
    await relay.start()
    try:
        tasks = [_task() for _ in range(6)]  # sessions spread over the three masters
        store = TaskStore(gateway_redis, EventLog(gateway_redis), settings)
        listeners = [await relay.listen(t.task_id) for t in tasks]
        for task in tasks:
            await store.enqueue(task, new_session=True)
        nodes = {gateway_redis.get_node_from_key(keys.task(t.task_id)).name for t in tasks}
        for listener in listeners:
            raw = await listener.next(5)
            assert raw is not None and json.loads(raw)["type"] == "session"
        assert len(nodes) > 1
    finally:
        await relay.stop()


async def test_the_command_client_waits_for_a_free_connection_instead_of_failing(
    redis_cluster, clean_cluster
):
    settings = _gateway_settings(redis_cluster.url).model_copy(update={"redis_max_connections": 2})
    client = connect(settings, "commands")
    try:
        started = time.monotonic()
        await asyncio.gather(*(client.blpop(["idle"], timeout=0.3) for _ in range(4)))  # 2 at a time
        assert time.monotonic() - started >= 0.6
    finally:
        await client.aclose()


async def test_a_command_that_waits_past_the_pool_timeout_fails_with_a_connection_error(
    redis_cluster, clean_cluster
):
    update = {"redis_max_connections": 1, "redis_pool_timeout_s": 0.1, "redis_retries": 0}
    client = connect(_gateway_settings(redis_cluster.url).model_copy(update=update), "commands")
    try:
        held = asyncio.create_task(client.blpop(["idle"], timeout=1))
        await asyncio.sleep(0.05)
        with pytest.raises(ConnectionError, match="No connection available"):
            await client.get("k")
        await held
    finally:
        await client.aclose()


def _run_on_a_cluster_stack(redis_cluster, scenario, **worker_env: str) -> None:
    """A gateway and a worker on the flushed cluster run `scenario(url)`; nothing in their logs failed."""
    redis_cluster.flushall()
    cluster = {"REDIS_CLUSTER": "true"}
    worker_env = {**cluster, **worker_env}
    with LiveStack(worker_env=worker_env, gateway_env=cluster, redis_server=redis_cluster) as stack:
        url = stack.gateway()
        stack.worker()
        stack.wait_workers(1)
        asyncio.run(scenario(url))
        logs = stack.logs_text()
        assert "Traceback" not in logs and "ERROR" not in logs, logs


def test_a_chat_streams_to_complete_through_a_gateway_and_a_worker_on_a_cluster(redis_cluster):
    _run_on_a_cluster_stack(redis_cluster, _chat_twice)


async def _chat_twice(url: str) -> None:
    async with httpx2.AsyncClient() as client:
        first = await chat(client, url, "hello")
        assert first.status == 200 and first.terminal and first.terminal["type"] == "complete", first.types
        session_id = first.events[0]["session_id"]
        second = await chat(client, url, "how many orders are there?", session_id=session_id)
        assert second.terminal and second.terminal["type"] == "complete", second.types
        session = (await client.get(f"{url}/ai/api/sessions/{session_id}", headers=HEADERS_A)).json()
        assert len(session["messages"]) == 4


def test_a_write_paused_for_approval_is_approved_resumed_and_completed_on_a_cluster(redis_cluster):
    _run_on_a_cluster_stack(redis_cluster, _approve_a_write, DEMO_TOKENS_PER_S="0")
    client = redis.RedisCluster.from_url(redis_cluster.url, decode_responses=True)
    try:  # the resumed run's end removed the pause and its deadline
        assert client.zcard(keys.APPROVAL_DEADLINES) == 0
    finally:
        client.close()


async def _approve_a_write(url: str) -> None:
    async with httpx2.AsyncClient() as client:
        frames, approval = await paused(client, url, "add a task buy milk")
        task_id = approval["task_id"]
        state = await client.get(f"{url}/ai/api/tasks/{task_id}", headers=HEADERS_A)
        assert state.json()["status"] == "awaiting_approval"
        rest = await decided(client, url, approval, approve=True)
        assert [t for t in rest.types if t != "progress"][:1] == ["tool_result"], rest.types
        assert rest.terminal["type"] == "complete", rest.types
        assert rest.terminal["response"] == "Added task 1: “buy milk”."
        assert seqs_contiguous(frames.events + rest.events)
        state = await client.get(f"{url}/ai/api/tasks/{task_id}", headers=HEADERS_A)
        assert state.json()["status"] == "completed"
