"""The relay: one pub/sub subscription per task channel, fanned out to bounded per-listener queues."""

from __future__ import annotations

import asyncio

import fakeredis
import pytest
from gateway_fixtures import gateway_settings, running_gateway
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from support.waiting import wait_until

from backend.relay import Relay
from backend.stream import TaskStream
from backend.subscriber import Subscriber
from contract import CompleteEvent, EventLog, SessionEvent, TaskField, TokenEvent, keys


@pytest.fixture
async def relay(server):
    relay = Relay(fakeredis.FakeAsyncRedis(server=server), queue_size=100, subscribe_timeout_s=2)
    await relay.start()
    yield relay
    await relay.stop()


async def _new_task(redis, task_id: str) -> EventLog:
    await redis.hset(keys.task(task_id), mapping={TaskField.STATUS: "running", TaskField.OWNER: "o"})
    return EventLog(redis)


async def _drain(listener, n: int) -> list[str]:
    out = []
    while len(out) < n:
        raw = await listener.next(2)
        assert raw is not None, f"only {len(out)} of {n} messages arrived"
        out.append(raw.decode())
    return out


async def test_two_listeners_of_one_task_both_get_every_event(relay, redis):
    log = await _new_task(redis, "t1")
    first, second = await relay.listen("t1"), await relay.listen("t1")
    for i in range(5):
        await log.append(TokenEvent(task_id="t1", content=str(i)))
    assert await _drain(first, 5) == await _drain(second, 5)
    assert relay.channel_count == 1


async def test_last_listener_leaving_unsubscribes_the_channel(relay, redis):
    first, second = await relay.listen("t2"), await relay.listen("t2")
    channel = keys.task_channel("t2")
    assert dict(await redis.pubsub_numsub(channel))[channel] == 1
    await relay.release(first)
    assert relay.channel_count == 1
    await relay.release(second)
    assert relay.channel_count == 0
    await wait_until(lambda: _numsub(redis, channel))


async def _numsub(redis, channel) -> bool:
    return dict(await redis.pubsub_numsub(channel))[channel] == 0


async def test_full_listener_is_marked_lagging_without_blocking_the_reader(server, redis):
    relay = Relay(fakeredis.FakeAsyncRedis(server=server), queue_size=3, subscribe_timeout_s=2)
    await relay.start()
    try:
        log = await _new_task(redis, "t3")
        slow, fast = await relay.listen("t3"), await relay.listen("t3")
        received = asyncio.create_task(_drain(fast, 10))
        for i in range(10):
            await log.append(TokenEvent(task_id="t3", content=str(i)))
        assert len(await received) == 10
        assert slow.lagging
        assert len(slow.queue) == 3
    finally:
        await relay.stop()


class _Client:
    """An ASGI client of one TaskStream that records the seqs it reads; `stalled` stops it reading
    after its first event until `resume` is set."""

    def __init__(self, stall_after_first: bool = False) -> None:
        self.seqs: list[int] = []
        self.stall = stall_after_first
        self.first = asyncio.Event()
        self.resume = asyncio.Event()

    async def receive(self) -> dict:
        await asyncio.Event().wait()  # never disconnects
        return {"type": "http.disconnect"}

    async def send(self, message: dict) -> None:
        for line in message.get("body", b"").split(b"\n"):
            if line.startswith(b"id: "):
                self.seqs.append(int(line[4:]))
        if self.seqs and not self.first.is_set():
            self.first.set()
            if self.stall:
                await self.resume.wait()


async def test_lagging_stream_catches_up_from_the_log_without_gap_or_duplicate(server, redis):
    async with running_gateway(gateway_settings(relay_queue_size=4), server) as client:
        deps = client.app.state.streams
        log = await _new_task(redis, "t4")
        await log.append(SessionEvent(task_id="t4", session_id="s"))
        fast = TaskStream(deps, task_id="t4", listener=await deps.relay.listen("t4"), slot=None)
        slow = TaskStream(deps, task_id="t4", listener=await deps.relay.listen("t4"), slot=None)
        fast_client, slow_client = _Client(), _Client(stall_after_first=True)
        scope = {"type": "http"}
        fast_run = asyncio.create_task(fast(scope, fast_client.receive, fast_client.send))
        slow_run = asyncio.create_task(slow(scope, slow_client.receive, slow_client.send))
        await asyncio.wait_for(slow_client.first.wait(), 5)  # reads one frame, then stops reading
        await asyncio.sleep(0.05)
        for i in range(40):
            await log.append(TokenEvent(task_id="t4", content=str(i)))
        await log.append(CompleteEvent(task_id="t4", response="", session_id="s"))
        await asyncio.wait_for(fast_run, 5)
        assert fast_client.seqs == list(range(42))
        assert slow.listener.lagging
        slow_client.resume.set()
        await asyncio.wait_for(slow_run, 5)
    assert slow_client.seqs == list(range(42))


async def test_a_lost_pubsub_connection_marks_listeners_lagging_and_resubscribes(redis_server, real_redis):
    """On a real Redis: the connection is killed server-side (as by a restart or a network cut)."""
    relay = Relay(Redis.from_url(redis_server.url), queue_size=100, subscribe_timeout_s=2)
    await relay.start()
    try:
        log = await _new_task(real_redis, "t9")
        listener = await relay.listen("t9")
        await real_redis.client_kill_filter(_type="pubsub")
        await wait_until(lambda: listener.lagging, what="the listener marked lagging")
        await wait_until(lambda: _live_again(relay, log, listener), what="live messages again")
    finally:
        await relay.stop()


async def _live_again(relay, log, listener) -> bool:
    if listener.lagging:  # what its stream does: resume, re-read the log (marked again once resubscribed)
        relay.resume(listener)
    await log.append(TokenEvent(task_id="t9", content="x"))
    return await listener.next(0.2) is not None


async def test_a_subscriber_whose_redis_stops_answering_reconnects(redis_server, real_redis):
    connects = []

    async def connected():
        connects.append(1)
        await subscriber.send("SUBSCRIBE", "probe")

    subscriber = Subscriber(
        Redis.from_url(redis_server.url),
        on_reply=lambda reply: None,
        on_connect=connected,
        on_disconnect=lambda: None,
        health_s=0.1,
    )
    reader = asyncio.create_task(subscriber.run())
    try:
        await wait_until(lambda: connects == [1], what="connected")
        await real_redis.execute_command("CLIENT", "PAUSE", "800", "ALL")  # no PONG for 0.8 s (> 3 x 0.1 s)
        await wait_until(lambda: len(connects) == 2, what="a new connection once Redis answers again")
    finally:
        subscriber.stop()
        reader.cancel()


async def test_a_subscriber_that_is_down_refuses_to_send():
    subscriber = Subscriber(Redis(), on_reply=lambda reply: None, on_connect=None, on_disconnect=lambda: None)
    with pytest.raises(RedisConnectionError):
        await subscriber.send("SUBSCRIBE", "x")
