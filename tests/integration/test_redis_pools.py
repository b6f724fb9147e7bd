"""Both services' Redis command pools make a command wait for a free connection instead of raising."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.exceptions import ConnectionError

from agent_service.config import Settings as WorkerSettings
from agent_service.redis_clients import RedisClients
from backend.config import Settings as GatewaySettings
from backend.connections import connect

pytestmark = pytest.mark.integration


def _gateway(url: str, **kw):
    return connect(GatewaySettings(redis_url=url, api_keys="k", **kw), "commands")


def _worker(url: str, **kw):
    return RedisClients.from_settings(WorkerSettings(redis_url=url, **kw)).command


@pytest.mark.parametrize("client_for", [_gateway, _worker], ids=["gateway", "worker"])
async def test_commands_beyond_the_pool_size_wait_for_a_connection(redis_server, client_for):
    client = client_for(redis_server.url, redis_max_connections=2, redis_pool_timeout_s=10)
    try:
        started = time.monotonic()
        # each BLPOP holds its connection for 0.3 s: 10 of them on 2 connections take >= 1.5 s
        replies = await asyncio.gather(*(client.blpop([f"empty:{i}"], timeout=0.3) for i in range(10)))
        assert replies == [None] * 10
        assert time.monotonic() - started >= 1.4
    finally:
        await client.aclose()


@pytest.mark.parametrize("client_for", [_gateway, _worker], ids=["gateway", "worker"])
async def test_a_command_that_waits_past_the_pool_timeout_fails(redis_server, client_for):
    client = client_for(redis_server.url, redis_max_connections=1, redis_pool_timeout_s=0.2)
    try:
        holder = asyncio.create_task(client.blpop(["empty"], timeout=1))
        await asyncio.sleep(0.1)
        with pytest.raises(ConnectionError):
            await client.ping()
        await holder
    finally:
        await client.aclose()
