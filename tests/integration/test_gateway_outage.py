"""A Redis outage under a running gateway process: health says so quickly, and the gateway heals."""

from __future__ import annotations

import time

import pytest
from gateway_harness import answer_of, client, sse_frames, start_gateway
from support.fakeworker import FakeWorker
from support.keys import HEADERS_A

from devstack.redis_server import RedisServer

pytestmark = pytest.mark.integration


@pytest.fixture
def private_redis():
    """Its own redis-server: stopping the session-wide one would break other tests."""
    server = RedisServer().start()
    yield server
    server.stop()


async def _chat(http, url: str) -> list[dict]:
    async with http.stream(
        "POST", url + "/ai/api/chat/stream", json={"message": "hi"}, headers=HEADERS_A
    ) as r:
        assert r.status_code == 200, await r.aread()
        return [f.data async for f in sse_frames(r) if f.data is not None]


async def _health(http, url: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = await http.get(url + "/ai/api/health")
    return response.status_code, response.json(), time.monotonic() - started


async def test_health_follows_a_redis_restart_and_chat_works_after(private_redis):
    proc, url = start_gateway(private_redis.url, "gw-outage")
    worker = await FakeWorker.connect(private_redis.url).start()
    try:
        async with client() as http:
            assert (await _health(http, url))[0] == 200

            private_redis.stop()
            status, body, took = await _health(http, url)
            assert status == 503 and body["status"] == "unhealthy"
            assert body["redis_status"].startswith("error: ")
            assert took < 3
            refused = await http.post(url + "/ai/api/chat/stream", json={"message": "hi"}, headers=HEADERS_A)
            assert refused.status_code == 503
            assert (await http.get(url + "/ai/api/health/live")).status_code == 200

            private_redis.start()
            deadline = time.monotonic() + 15
            while (health := await _health(http, url))[0] != 200 or not health[1]["workers_alive"]:
                assert time.monotonic() < deadline, "gateway (or the worker's heartbeat) did not recover"
            events = await _chat(http, url)
        assert events[0]["type"] == "session" and events[-1]["type"] == "complete"
        assert answer_of(events) == events[-1]["response"]
    finally:
        await worker.stop()
        proc.stop()
