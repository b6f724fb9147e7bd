"""Redis Sentinel clients (REDIS_SENTINELS): the clients both services build on one Redis, pointed at
whichever server the Sentinels name as the primary of REDIS_SENTINEL_MASTER.

Why redis-py's `Sentinel.master_for`: its SentinelConnectionPool makes SentinelManagedConnections,
each of which asks the Sentinels for the primary's address when it connects, and one that hears
READONLY (it still talks to a demoted primary, now a replica) or the UNBLOCKED error a demoted
primary answers blocked commands with disconnects and raises ConnectionError, so its next connect
asks again. A failover therefore reaches the callers as ConnectionError, the error each client's
retry policy already treats as "the command did not run" (backend/connections.py,
agent_service/redis_clients.py): a READONLY reply was a refusal, and the worker's writes that a
lost connection may have run carry idempotency tokens (agent_service/execution/eventsink.py). When
Sentinel reconfigures a demoted primary it also kills its clients (CLIENT KILL TYPE normal and
pubsub), so subscribers and idle pooled connections reconnect, to the new primary, by themselves.
Until the Sentinels agree the primary is down (down-after-milliseconds) they still name the dead
one, and connecting fails fast: the callers' own loops and retries wait that out.

Why `PrimaryConnection`: redis-py's SentinelManagedConnection asks the Sentinels only in `connect()`;
a command that finds its connection closed (the client's retry after a failed try, or a connection
the pool handed out disconnected) reconnects inside `send_packed_command` straight to the address it
had (redis-py#3874, open), so after a failover every retry of a command went to the dead primary and
each pooled connection failed one command (measured with a SIGKILLed primary). The subclasses
reconnect through `connect()`, asking the Sentinels, whenever they would reconnect at all.

Why the pools follow the primary (`FollowingPool`, every FOLLOW_S): a primary that Sentinel demotes
while it is still up (SENTINEL FAILOVER, or a partitioned primary that comes back) keeps accepting
writes, and Sentinel reconfigures it, killing its clients, only seconds after the switch (measured
with SENTINEL FAILOVER: the Sentinels named the new primary after 1.2 s, the old one was a replica
after 11.3 s). A pooled connection to it sees no error and its writes
are lost when it resyncs from the new primary: measured, a chat's run went on writing there while the
new primary's reaper redelivered it. So a pool asks the Sentinels for the primary at most once per
FOLLOW_S when it hands out a connection (one SENTINEL MASTERS round trip), drops idle connections
to a former primary (redis-py's `get_master_address` does), and reconnects the one it hands out if
it points elsewhere. What stays: writes the old primary took between the promotion and the next
check, and a connection held for good (the worker's control PubSub, the gateway relay's subscriber)
until Sentinel kills it: the relay's streams then catch up from the log on their quiet checks.

Why `BlockingSentinelPool`: SentinelConnectionPool is a plain ConnectionPool, which raises
MaxConnectionsError past max_connections; mixing in BlockingConnectionPool keeps the command
clients' bounded wait for a free connection (REDIS_POOL_TIMEOUT_S), as on one Redis. Its
`get_connection` connects outside the pool lock, so a connect that asks the Sentinels (and, on a
new primary, disconnects the idle connections under that lock) cannot deadlock.

Why `SentinelRedis` closes its Sentinel: a master_for client does not own the clients that talk to
the Sentinels, so closing it would leak their connections. Each service client gets its own
Sentinel (a few connections to the Sentinels each), with short timeouts and no retry: master
discovery already moves on to the next Sentinel.

REDIS_URL's scheme (rediss: TLS), username, password and database apply to the primary (its host
and port are the Sentinels' to say); REDIS_SENTINEL_PASSWORD authenticates to the Sentinels.

What a failover cannot keep: replication is asynchronous, so writes the old primary acknowledged
but had not yet sent to the replica when it died are gone on the new primary (README, "Running
with Redis Sentinel"). Pub/sub messages published during the switch are lost as on any reconnect;
the gateway's streams re-read the event log.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.connection import BlockingConnectionPool, parse_url
from redis.asyncio.sentinel import (
    Sentinel,
    SentinelConnectionPool,
    SentinelManagedConnection,
    SentinelManagedSSLConnection,
)
from redis.exceptions import ConnectionError, TimeoutError
from redis.sentinel import Sentinel as SyncSentinel
from redis.sentinel import SentinelConnectionPool as SyncSentinelPool
from redis.sentinel import SentinelManagedConnection as SyncManagedConnection
from redis.sentinel import SentinelManagedSSLConnection as SyncManagedSSLConnection

from contract.settings import SharedSettings

URL_OPTIONS = ("username", "password", "db")
FOLLOW_S = 1.0
"""At most this often a pool asks the Sentinels where the primary is (module docstring)."""


class PrimaryConnection(SentinelManagedConnection):
    """A SentinelManagedConnection that asks the Sentinels on every reconnect (module docstring)."""

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self.is_connected:
            await self.connect()
        await super().send_packed_command(command, check_health)


class PrimarySSLConnection(PrimaryConnection, SentinelManagedSSLConnection):
    pass


class SyncPrimaryConnection(SyncManagedConnection):
    """The synchronous `PrimaryConnection`."""

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self._sock:
            self.connect()
        super().send_packed_command(command, check_health)


class SyncPrimarySSLConnection(SyncPrimaryConnection, SyncManagedSSLConnection):
    pass


class FollowingPool(SentinelConnectionPool):
    """A SentinelConnectionPool that hands out connections to the current primary only."""

    _asked = 0.0

    async def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        conn = await super().get_connection(*args, **kwargs)
        try:
            if await self._moved(conn):
                await conn.disconnect()
                await conn.connect()
        except BaseException:
            await self.release(conn)
            raise
        return conn

    async def _moved(self, conn: Any) -> bool:
        now = time.monotonic()
        if now - self._asked >= FOLLOW_S:
            self._asked = now
            with contextlib.suppress(ConnectionError, TimeoutError):  # no answer: keep what we have
                await self.get_master_address()
        return self.master_address is not None and (conn.host, conn.port) != self.master_address


class SyncFollowingPool(SyncSentinelPool):
    """The synchronous `FollowingPool`."""

    _asked = 0.0

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        conn = super().get_connection(*args, **kwargs)
        try:
            if self._moved(conn):
                conn.disconnect()
                conn.connect()
        except BaseException:
            self.release(conn)
            raise
        return conn

    def _moved(self, conn: Any) -> bool:
        now = time.monotonic()
        if now - self._asked >= FOLLOW_S:
            self._asked = now
            with contextlib.suppress(ConnectionError, TimeoutError):
                self.get_master_address()
        return self.master_address is not None and (conn.host, conn.port) != self.master_address


class BlockingSentinelPool(FollowingPool, BlockingConnectionPool):
    """SentinelConnectionPool with BlockingConnectionPool's bounded wait (`max_connections`, `timeout`)."""


class SentinelRedis(aioredis.Redis):
    """A master_for client that also closes the Sentinel it asks."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        try:
            await super().aclose(close_connection_pool)
        finally:
            await self.connection_pool.sentinel_manager.aclose()


class SyncSentinelRedis(redis.Redis):
    """The synchronous `SentinelRedis`."""

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.connection_pool.sentinel_manager.close()


def _primary_options(url: str, *, sync: bool = False) -> dict[str, Any]:
    """REDIS_URL's username, password and database, and the connection class for its scheme."""
    parsed = parse_url(url)
    options: dict[str, Any] = {k: parsed[k] for k in URL_OPTIONS if parsed.get(k) is not None}  # type: ignore[literal-required]
    tls = url.startswith("rediss://")
    if sync:
        options["connection_class"] = SyncPrimarySSLConnection if tls else SyncPrimaryConnection
    else:
        options["connection_class"] = PrimarySSLConnection if tls else PrimaryConnection
    return options


def _sentinel_options(settings: SharedSettings, timeout_s: float) -> dict[str, Any]:
    password = settings.redis_sentinel_password.get_secret_value() or None
    return {"socket_connect_timeout": timeout_s, "socket_timeout": timeout_s, "password": password}


def sentinel_primary(
    settings: SharedSettings,
    *,
    sentinel_timeout_s: float,
    pool: tuple[int, float] | None = None,
    **options: Any,
) -> aioredis.Redis:
    """An asyncio client of the current primary. `pool`: (max_connections, wait_s) for a blocking pool;
    `options` as for Redis (timeouts, retry, decode_responses, protocol, health_check_interval)."""
    manager = Sentinel(settings.sentinels, sentinel_kwargs=_sentinel_options(settings, sentinel_timeout_s))
    if pool is not None:
        options = {**options, "max_connections": pool[0], "timeout": pool[1]}
    return manager.master_for(
        settings.redis_sentinel_master,
        redis_class=SentinelRedis,
        connection_pool_class=BlockingSentinelPool if pool is not None else FollowingPool,
        **_primary_options(settings.redis_url),
        **options,
    )


def sync_sentinel_primary(
    settings: SharedSettings, *, sentinel_timeout_s: float, **options: Any
) -> redis.Redis:
    """A synchronous client of the current primary (redis-py's sync Sentinel), `options` as for Redis."""
    manager = SyncSentinel(
        settings.sentinels, sentinel_kwargs=_sentinel_options(settings, sentinel_timeout_s)
    )
    return manager.master_for(
        settings.redis_sentinel_master,
        redis_class=SyncSentinelRedis,
        connection_pool_class=SyncFollowingPool,
        **_primary_options(settings.redis_url, sync=True),
        **options,
    )


__all__ = [
    "BlockingSentinelPool",
    "FollowingPool",
    "SentinelRedis",
    "sentinel_primary",
    "sync_sentinel_primary",
]
