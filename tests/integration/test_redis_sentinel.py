"""Both services behind real Redis Sentinels (tests/support/sentinel.py: a primary, a replica, three
Sentinels), REDIS_SENTINELS + REDIS_SENTINEL_MASTER, and failovers of the primary.

Each test runs the services' own code with the clients they build (backend/connections.py,
agent_service/redis_clients.py, contract/sentinelclient.py). The first group uses one set of servers
and never fails over; each failover test starts its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator

import httpx2
import pytest
import redis
from redis.asyncio import Redis
from stack_kit import LiveStack, chat, rejoin, seqs_contiguous
from support.keys import HEADERS_A, KEY_A
from support.sentinel import RedisSentinelServers, sentinel_servers
from worker_stack import check

from agent_service.config import Settings as WorkerSettings
from agent_service.delivery.heartbeat import queue_beat
from agent_service.delivery.tasklock import TaskLocks
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.redis_clients import RedisClients
from backend.config import Settings as GatewaySettings
from backend.connections import connect
from backend.relay import Relay
from backend.taskstore import TaskStore
from contract import ChatTask, EventLog, TokenEvent, keys
from contract.sentinelclient import FOLLOW_S
from contract.workers import WorkerBeat

pytestmark = pytest.mark.integration

SLOW_ANSWER = "Total revenue per country"  # a table with a row per country: seconds at 10 tokens/s


def _gateway_settings(servers: RedisSentinelServers) -> GatewaySettings:
    return GatewaySettings(
        redis_url="redis://ignored:1/0",
        redis_sentinels=servers.sentinels,
        redis_sentinel_master="agentmaster",
        api_keys=KEY_A,
    )


def _worker_clients(servers: RedisSentinelServers) -> RedisClients:
    settings = WorkerSettings(
        redis_url="redis://ignored:1/0",
        redis_sentinels=servers.sentinels,
        redis_sentinel_master="agentmaster",
    )
    return RedisClients.from_settings(settings)


@contextlib.asynccontextmanager
async def _failover_clients() -> AsyncIterator[tuple[RedisSentinelServers, Redis, RedisClients]]:
    """Fresh servers, the gateway's command client and the worker's clients on them."""
    with sentinel_servers() as servers:
        gateway = connect(_gateway_settings(servers), "commands")
        worker = _worker_clients(servers)
        try:
            yield servers, gateway, worker
        finally:
            await gateway.aclose()
            await worker.aclose()


def _task(session_id: str | None = None) -> ChatTask:
    return ChatTask(session_id=session_id or uuid.uuid4().hex, owner="key:o", message="hi")


@pytest.fixture
async def gateway_redis(redis_sentinel):
    redis_sentinel.flushall()
    client = connect(_gateway_settings(redis_sentinel), "commands")
    yield client
    await client.aclose()


async def test_enqueue_append_and_read_reach_the_primary_the_sentinels_name(gateway_redis, redis_sentinel):
    task = _task()
    log = EventLog(gateway_redis)
    await TaskStore(gateway_redis, log, _gateway_settings(redis_sentinel)).enqueue(task, new_session=True)
    assert (await log.append(TokenEvent(task_id=task.task_id, content="a"), session_id=task.session_id)).ok
    assert [e.seq for e in await log.read(task.task_id)] == [0, 1]
    assert redis_sentinel.primary().llen(keys.TASK_QUEUE) == 1


async def test_a_worker_takes_locks_beats_and_acks_a_task_behind_sentinels(gateway_redis, redis_sentinel):
    task = _task()
    await TaskStore(gateway_redis, EventLog(gateway_redis), _gateway_settings(redis_sentinel)).enqueue(
        task, new_session=True
    )
    clients = _worker_clients(redis_sentinel)
    try:
        queue = TaskQueue(clients.command, clients.blocking, "w1")
        payload = await queue.take(1)
        assert json.loads(payload)["task_id"] == task.task_id
        pipe = clients.sync.pipeline(transaction=False)
        queue_beat(pipe, WorkerBeat(worker_id="w1"), 30, [])
        pipe.execute()
        assert await TaskLocks(clients.command, "w1", 5000).acquire(task.task_id)
        assert not await TaskLocks(clients.command, "w2", 5000).acquire(task.task_id)
        await queue.done(payload)
        assert await queue.in_processing() == [] and await gateway_redis.llen(keys.TASK_QUEUE) == 0
    finally:
        await clients.aclose()


async def test_the_workers_health_check_reads_its_heartbeat_from_the_sentinels_primary(redis_sentinel):
    redis_sentinel.flushall()
    clients = _worker_clients(redis_sentinel)
    try:
        pipe = clients.sync.pipeline(transaction=False)
        queue_beat(pipe, WorkerBeat(worker_id="w-check"), 30, [])
        pipe.execute()
    finally:
        await clients.aclose()
    assert (
        await asyncio.to_thread(check, "redis://ignored:1/0", **redis_sentinel.env, WORKER_ID="w-check") == 0
    )


async def test_the_relay_hears_events_published_on_the_primary(gateway_redis, redis_sentinel):
    relay = Relay(connect(_gateway_settings(redis_sentinel), "pubsub"), queue_size=100, subscribe_timeout_s=5)
    await relay.start()
    try:
        task = _task()
        listener = await relay.listen(task.task_id)
        await TaskStore(gateway_redis, EventLog(gateway_redis), _gateway_settings(redis_sentinel)).enqueue(
            task, new_session=True
        )
        raw = await listener.next(5)
        assert raw is not None and json.loads(raw)["type"] == "session"
    finally:
        await relay.stop()


async def test_a_write_on_a_connection_to_a_replica_reconnects_to_the_primary(gateway_redis, redis_sentinel):
    # what a client still connected to a demoted primary sees: READONLY, then the Sentinels' primary
    replica = next(p for p in redis_sentinel.data_ports if p != redis_sentinel.primary_port())
    pool = gateway_redis.connection_pool
    conn = await pool.get_connection()
    await conn.disconnect()
    await conn.connect_to(("127.0.0.1", replica))
    await pool.release(conn)
    assert await gateway_redis.set("k", "v")
    assert redis_sentinel.primary().get("k") == "v"
    assert conn.port == redis_sentinel.primary_port()


async def test_after_a_failover_each_clients_first_command_reaches_the_new_primary():
    async with _failover_clients() as (servers, gateway, worker):
        await asyncio.gather(gateway.set("before", "1"), worker.command.ping(), worker.blocking.ping())
        assert worker.sync.ping()
        servers.wait_failover(servers.kill_primary())
        # one try each: the pooled connections were all to the dead primary
        assert await gateway.get("before") == "1"
        assert await worker.command.set("after", "2")
        assert await worker.blocking.blmove("none", "none2", 0.1) is None
        assert worker.sync.set("sync-after", "3")
        assert servers.primary().mget("after", "sync-after") == ["2", "3"]


async def test_writes_leave_a_demoted_primary_that_is_still_up_within_a_second_of_the_switch():
    async with _failover_clients() as (servers, gateway, worker):
        await gateway.set("before", "1")  # both pools now hold a connection to the first primary
        assert worker.sync.set("sync-before", "1")
        old = servers.primary_port()
        with redis.Redis(port=servers.sentinel_ports[0]) as sentinel:
            sentinel.execute_command("SENTINEL", "FAILOVER", "agentmaster")
        await asyncio.to_thread(servers.wait_failover, old)
        await asyncio.sleep(FOLLOW_S)
        with redis.Redis(port=old, decode_responses=True) as demoted:
            assert demoted.info("replication")["role"] == "master"  # Sentinel has not reconfigured it yet
            await gateway.set("after", "2")
            assert worker.sync.set("sync-after", "3")
            assert demoted.mget("after", "sync-after") == [None, None]
        assert servers.primary().mget("after", "sync-after") == ["2", "3"]


async def test_the_relay_resubscribes_on_the_new_primary_and_marks_its_listeners_lagging():
    with sentinel_servers() as servers:
        relay = Relay(connect(_gateway_settings(servers), "pubsub"), queue_size=100, subscribe_timeout_s=10)
        await relay.start()
        try:
            task_id = keys.task_id_for(uuid.uuid4().hex)
            listener = await relay.listen(task_id)
            servers.wait_failover(servers.kill_primary())
            channel = keys.task_channel(task_id)
            for _ in range(100):  # until the relay has subscribed again, on the new primary
                if servers.primary().publish(channel, b"after"):
                    break
                await asyncio.sleep(0.1)
            assert listener.lagging  # its stream re-reads the log for what the switch lost
            relay.resume(listener)  # as the stream does before it re-reads
            servers.primary().publish(channel, b"fed again")
            while (raw := await listener.next(5)) != b"fed again":
                assert raw == b"after"  # the first one, if the reader had not seen it before the resume
        finally:
            await relay.stop()


def test_a_chat_whose_primary_is_killed_mid_answer_streams_every_event_once_and_completes():
    _stack_through_a_failover("sigkill", _every_event_once)


def test_a_chat_whose_live_primary_is_demoted_mid_answer_completes_with_its_whole_answer():
    # the old primary took writes until the switch was seen; they are gone (README: Sentinel)
    _stack_through_a_failover("sentinel_failover", _complete_in_the_transcript)


def _stack_through_a_failover(how: str, check) -> None:
    with sentinel_servers() as servers:
        env = {**servers.env, "WORKER_HEARTBEAT_TTL_S": "10"}  # longer than the failover
        worker_env = {**env, "DEMO_TOKENS_PER_S": "10"}
        with LiveStack(worker_env=worker_env, gateway_env=env, redis_server=servers) as stack:
            url = stack.gateway()
            stack.worker()
            stack.wait_workers(1)
            try:
                asyncio.run(_chat_through_a_failover(url, servers, how, check))
            except BaseException:
                print(servers.logs())
                raise
            assert "Traceback" not in stack.logs_text(), stack.logs_text()


async def _chat_through_a_failover(url: str, servers: RedisSentinelServers, how: str, check) -> None:
    async with httpx2.AsyncClient() as client:
        streaming = asyncio.create_task(chat(client, url, SLOW_ANSWER))
        await asyncio.sleep(2.5)
        assert not streaming.done(), "the answer is still streaming at the failover"
        old = servers.primary_port()
        if how == "sigkill":
            servers.kill_primary()
        else:
            with redis.Redis(port=servers.sentinel_ports[0]) as sentinel:
                sentinel.execute_command("SENTINEL", "FAILOVER", "agentmaster")
        await asyncio.to_thread(servers.wait_failover, old)
        frames = await asyncio.wait_for(streaming, 120)
        assert frames.terminal and frames.terminal["type"] == "complete", frames.types[-5:]
        assert seqs_contiguous(frames.events), [e["seq"] for e in frames.events]
        after = await chat(client, url, "How many customers are there?")
        assert after.terminal and after.terminal["type"] == "complete", after.types
        await asyncio.to_thread(servers.wait_settled)  # a demoted primary's own writes are gone now
        for done in (frames, after):
            session_id = done.events[0]["session_id"]
            session = (await client.get(f"{url}/ai/api/sessions/{session_id}", headers=HEADERS_A)).json()
            assert [m["role"] for m in session["messages"]] == ["user", "assistant"], session
            assert session["messages"][1]["text"] == done.terminal["response"]
        await check(client, url, frames)


async def _every_event_once(client: httpx2.AsyncClient, url: str, frames) -> None:
    assert frames.text == frames.terminal["response"]
    assert "retry" not in frames.types  # the run lived through the failover
    assert (await rejoin(client, url, frames.task_id, None)).events == frames.events


async def _complete_in_the_transcript(client: httpx2.AsyncClient, url: str, frames) -> None:
    replay = await rejoin(client, url, frames.task_id, None)
    assert replay.terminal == frames.terminal and seqs_contiguous(replay.events)
