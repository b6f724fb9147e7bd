"""Shared fixtures: a clean settings environment (all tests), a real redis-server on a free port
(integration), fakeredis (unit).

Tests never touch the machine's own Redis at 6379: each session starts its own server. No setting of
either service comes from the developer's shell or `.env`: a test sets what it needs, and a process a
test starts gets the session's environment plus what the harness names (devstack/processes.py
`spawn`). Such a process still reads a `.env` in the repository root, its working directory.
"""

from __future__ import annotations

import os

import pytest
import redis.asyncio as aioredis
from support.cluster import clean_cluster, redis_cluster  # noqa: F401 (fixtures)
from support.sentinel import redis_sentinel  # noqa: F401 (fixture)

from agent_service.config import Settings as WorkerSettings
from backend.config import Settings as GatewaySettings
from contract.settings import ENV_FILE_VARIABLE, SharedSettings
from devstack.redis_server import RedisServer

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")

SETTINGS = (SharedSettings, GatewaySettings, WorkerSettings)


@pytest.fixture(scope="session", autouse=True)
def clean_settings_environment():
    """For the whole session, before any fixture starts a process: no variable that names a field of
    either service's Settings (names are case-insensitive), and no Settings class reads `.env` — in
    this process (model_config) nor in the gateways and workers it starts (ENV_FILE="", inherited).

    Session-wide, not per test, because module- and session-scoped fixtures start gateways and
    workers that inherit os.environ; each test's own `monkeypatch.setenv` is still undone after it."""
    fields = {name.upper() for cls in SETTINGS for name in cls.model_fields}
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.upper() in fields]:
            mp.delenv(name)
        for cls in SETTINGS:
            mp.setitem(cls.model_config, "env_file", None)
        mp.setenv(ENV_FILE_VARIABLE, "")
        yield


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
