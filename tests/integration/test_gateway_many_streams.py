"""Thousands of streams on one gateway: every one opens, on a bounded set of Redis connections."""

from __future__ import annotations

import asyncio
import resource

import pytest
from gateway_harness import start_gateway
from support.keys import KEY_A

from bench.load import hold_open
from bench.sseclient import Hold, Target
from contract import WorkerBeat, keys

pytestmark = pytest.mark.integration

STREAMS = 2000
WAVE = 100
POOL = 20


def _raise_fd_limit() -> None:
    """Each stream is a socket in this process and one in the gateway (which inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _gateway_connections(redis, own: set[int]) -> tuple[int, int]:
    """(all connections but the test's own, pub/sub ones among them)."""
    clients = [c for c in await redis.client_list() if int(c["id"]) not in own]
    return len(clients), sum(1 for c in clients if "P" in c.get("flags", ""))


async def test_2000_streams_opened_100_at_a_time_all_open_on_a_bounded_set_of_connections(
    redis_server, real_redis
):
    _raise_fd_limit()
    # a live worker with room for every task, that takes none: the tasks stay queued, streams idle
    beat = WorkerBeat(worker_id="idle", concurrency=10 * STREAMS, free_slots=10 * STREAMS, run_s=1)
    await real_redis.set(keys.heartbeat("idle"), beat.model_dump_json(), ex=120)
    await real_redis.sadd(keys.WORKERS, "idle")
    proc, url = start_gateway(
        redis_server.url,
        "gw-many",
        MAX_STREAMS_PER_KEY=str(10 * STREAMS),
        MAX_QUEUE_DEPTH=str(10 * STREAMS),
        REDIS_MAX_CONNECTIONS=str(POOL),
        STREAM_GAP_S="1",
    )
    host, port = url.removeprefix("http://").split(":")
    target = Target(host, int(port), api_key=KEY_A)
    own = {int((await real_redis.client_info())["id"])}
    hold = Hold()
    tasks: list[asyncio.Task] = []
    samples = []
    try:
        for _ in range(STREAMS // WAVE):
            tasks += await hold_open(target, WAVE, WAVE, 20, hold)
            samples.append(await _gateway_connections(real_redis, own))
        opened = hold.opened
    finally:
        hold.release.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        proc.stop()
    assert opened == STREAMS, f"{STREAMS - opened} streams did not open"
    assert all(r.status == 200 and r.first_type == "session" for r in results)
    # the command pool (REDIS_MAX_CONNECTIONS) plus the one shared pub/sub connection, however many
    # streams are open
    assert max(total for total, _ in samples) <= POOL + 1, samples
    assert {pubsub for _, pubsub in samples} == {1}, samples
