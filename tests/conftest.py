"""Shared fixtures: a real redis-server on a free port (integration), fakeredis (unit).

Tests never touch the machine's own Redis at 6379: each session starts its own server.
"""

from __future__ import annotations

import os

import pytest
import redis.asyncio as aioredis

from devstack.redis_server import RedisServer

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
async def real_redis(redis_server):
    """A clean real Redis (FLUSHALL before the test); it decodes replies, like both services' command
    clients."""
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
def fake_server():
    import fakeredis

    return fakeredis.FakeServer()


@pytest.fixture
async def fake_redis(fake_server):
    import fakeredis

    client = fakeredis.FakeAsyncRedis(server=fake_server, decode_responses=True)
    yield client
    await client.aclose()
