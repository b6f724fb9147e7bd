"""REDIS_SENTINELS: validated once in contract/settings.py, and both services then build clients of
the Sentinels' primary with the options they use on one Redis (contract/sentinelclient.py).
Against real Sentinels and a failover: tests/integration/test_redis_sentinel.py."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent_service.config import Settings as WorkerSettings
from agent_service.redis_clients import RedisClients
from backend.config import Settings as GatewaySettings
from backend.connections import connect
from contract.sentinelclient import BlockingSentinelPool, PrimaryConnection, SyncPrimaryConnection

SENTINEL = {"redis_sentinels": "10.0.0.1:26379, sentinel-b:26380", "redis_sentinel_master": "agents"}


def test_redis_sentinels_is_read_as_host_port_pairs():
    assert GatewaySettings(**SENTINEL).sentinels == [("10.0.0.1", 26379), ("sentinel-b", 26380)]


@pytest.mark.parametrize("value", ["sentinel-a", "sentinel-a:port", ":26379", "a:26379,b:0"])
def test_a_sentinel_entry_that_is_not_host_port_is_refused(value):
    with pytest.raises(ValidationError, match="is not host:port"):
        WorkerSettings(redis_sentinels=value, redis_sentinel_master="agents")


def test_redis_sentinels_without_a_master_name_is_refused():
    with pytest.raises(ValidationError, match="needs REDIS_SENTINEL_MASTER"):
        GatewaySettings(redis_sentinels="a:26379")


def test_redis_sentinels_and_redis_cluster_exclude_each_other():
    with pytest.raises(ValidationError, match="exclude each other"):
        WorkerSettings(**SENTINEL, redis_cluster=True)


async def test_the_gateways_command_client_keeps_its_bounded_wait_and_the_urls_credentials():
    settings = GatewaySettings(
        **SENTINEL, redis_url="redis://app:pw@ignored:1/3", redis_max_connections=7, redis_pool_timeout_s=4
    )
    client = connect(settings, "commands")
    pool = client.connection_pool
    assert isinstance(pool, BlockingSentinelPool) and pool.service_name == "agents"
    assert (pool.max_connections, pool.timeout) == (7, 4)
    assert pool.connection_class is PrimaryConnection
    kwargs = pool.connection_kwargs
    assert (kwargs["username"], kwargs["password"], kwargs["db"]) == ("app", "pw", 3)
    assert kwargs["decode_responses"] is True and "host" not in kwargs
    await client.aclose()


async def test_the_relays_client_asks_the_sentinels_with_their_own_password():
    settings = GatewaySettings(**SENTINEL, redis_sentinel_password="s3cret")
    client = connect(settings, "pubsub")
    pool = client.connection_pool
    assert not isinstance(pool, BlockingSentinelPool) and pool.connection_kwargs["protocol"] == 2
    sentinels = pool.sentinel_manager.sentinels
    assert [s.connection_pool.connection_kwargs["password"] for s in sentinels] == ["s3cret", "s3cret"]
    await client.aclose()


async def test_the_workers_four_clients_follow_the_primary_with_their_own_timeouts():
    settings = WorkerSettings(**SENTINEL, poll_timeout_s=2)
    clients = RedisClients.from_settings(settings)
    assert isinstance(clients.command.connection_pool, BlockingSentinelPool)
    assert clients.blocking.connection_pool.connection_kwargs["socket_timeout"] == 7
    assert clients.pubsub.connection_pool.connection_kwargs["socket_timeout"] is None
    assert clients.sync.connection_pool.connection_class is SyncPrimaryConnection
    await clients.aclose()
