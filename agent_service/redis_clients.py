"""The worker's Redis connections, with timeouts and retries pinned on purpose.

Why three clients (redis-py 8 traps):
- `command`: every ordinary command. socket_timeout≈5 s and **no retry after a timeout**: redis-py 8's
  default Retry re-sends a timed-out command, and our writes (EventLog append, RPUSH transcript, HINCRBY
  attempts) are not idempotent. It retries once on ConnectionError only: after a Redis restart every pooled
  connection is dead, and a command written to a socket the server already closed was never executed.
  Callers that can safely repeat something do it themselves (terminal write, loops). Its pool is a
  BlockingConnectionPool of REDIS_MAX_CONNECTIONS: with many runs writing at once redis-py 8's default
  pool (100, then MaxConnectionsError) failed runs; a command now waits up to REDIS_POOL_TIMEOUT_S for
  a connection. Unless REDIS_MAX_CONNECTIONS is set, the pool has WORKER_CONCURRENCY + POOL_MARGIN
  connections: a run holds one at a time (the SDK session holds its connection across a WATCH transaction of five round
  trips), and with 560 runs on 100 connections a CPU-bound worker's commands waited past the pool
  timeout, handing runs back and losing their locks.
- `blocking`: BLMOVE only. Its socket_timeout exceeds the BLMOVE block window, otherwise the default 5 s
  timeout fires before Redis answers an idle BLMOVE (a [measured] 58 s retry storm).
- `sync`: a synchronous client for the liveness thread (liveness.py): heartbeat and lock renewals must
  not wait for the event loop. Its commands (SET, SADD, renew-if-ours) are idempotent, so it retries
  once on ConnectionError and TimeoutError.
- `pubsub`: the control-channel subscriber, on its own pool with protocol=2 (the hiredis RESP3 push-reply
  leak, redis-py#4339) and no socket timeout (get_message(timeout=...) bounds the wait instead).
Why `command`, `blocking` and `sync` decode replies to `str` (decode_responses): the gateway's command
client does too (backend/connections.py), so the code both services share (contract/eventlog.py, the
TaskRecord of contract/tasks.py) reads one type. Nothing here needs bytes: a queue payload is ChatTask
JSON, which pydantic parses from `str` and which LREM matches as the same bytes on the server, and
the SDK's RedisSession (execution/history.py) reads either. `pubsub` delivers bytes, as the gateway's
does: a control message is only parsed as JSON.
With REDIS_CLUSTER the four are redis-py RedisCluster clients built from the same choices
(contract/clusterclient.py); the command client then retries connection errors, never timeouts.
With REDIS_SENTINELS they are clients of the primary the Sentinels name, with the same options
(contract/sentinelclient.py): a failover reaches them as ConnectionError, and `sync` is redis-py's
synchronous Sentinel client.
Tests pass one fakeredis client (decoding, like `command`) for the asyncio three via
`RedisClients.single` (no `sync`: the heartbeat then beats from the loop).
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, RedisError, TimeoutError
from redis.retry import Retry as SyncRetry

from agent_service.config import Settings
from contract.clusterclient import gated_cluster
from contract.sentinelclient import sentinel_primary, sync_sentinel_primary

COMMAND_SOCKET_TIMEOUT_S = 5.0
POOL_MARGIN = 16
"""Pooled connections beyond one per run: the background loops (reaper, cancel poll, heartbeat)."""
CONNECT_TIMEOUT_S = 3.0

REDIS_ERRORS = (RedisError, OSError)
"""Everything Redis can raise: connection loss and timeouts, and server replies such as OOM, READONLY
after a failover or MISCONF (ResponseError), which must not kill a loop or skip a hand-back either."""


def _no_retry() -> Retry:
    return Retry(NoBackoff(), 0)


def _reconnect_once() -> Retry:
    return Retry(NoBackoff(), 1, supported_errors=(ConnectionError,))


def _pool_size(settings: Settings) -> int:
    return settings.redis_max_connections or settings.worker_concurrency + POOL_MARGIN


def _options(settings: Settings) -> dict[str, dict]:
    """Each client's timeouts, retries, protocol and decoding (the module docstring says why)."""
    connect = {"socket_connect_timeout": CONNECT_TIMEOUT_S}
    return {
        "command": {
            "socket_timeout": COMMAND_SOCKET_TIMEOUT_S,
            "retry": _reconnect_once(),
            "health_check_interval": 10,
            "decode_responses": True,
            **connect,
        },
        "blocking": {
            "socket_timeout": settings.poll_timeout_s + COMMAND_SOCKET_TIMEOUT_S,
            "retry": _no_retry(),
            "decode_responses": True,
            **connect,
        },
        "pubsub": {
            "protocol": 2,
            "socket_timeout": None,
            "retry": _no_retry(),
            "health_check_interval": 30,
            **connect,
        },
        "sync": {
            "socket_timeout": COMMAND_SOCKET_TIMEOUT_S,
            "retry": SyncRetry(NoBackoff(), 1, supported_errors=(ConnectionError, TimeoutError)),
            "decode_responses": True,
            **connect,
        },
    }


@dataclass
class RedisClients:
    command: aioredis.Redis
    blocking: aioredis.Redis
    pubsub: aioredis.Redis
    sync: redis.Redis | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisClients:
        if settings.redis_cluster:
            return cls._cluster(settings)
        if settings.redis_sentinels:
            return cls._sentinel(settings)
        url, options = settings.redis_url, _options(settings)
        command = aioredis.Redis.from_pool(
            aioredis.BlockingConnectionPool.from_url(
                url,
                max_connections=_pool_size(settings),
                timeout=settings.redis_pool_timeout_s,
                **options["command"],
            )
        )
        blocking = aioredis.Redis.from_url(url, **options["blocking"])
        pubsub = aioredis.Redis.from_url(url, **options["pubsub"])
        sync = redis.Redis.from_url(url, **options["sync"])
        return cls(command=command, blocking=blocking, pubsub=pubsub, sync=sync)

    @classmethod
    def _cluster(cls, settings: Settings) -> RedisClients:
        """The same four on a Redis Cluster (contract/clusterclient.py), with the same options; the
        pool wait is the cluster client's gate, and `sync` is redis-py's synchronous RedisCluster."""
        url, options, wait_s = settings.redis_url, _options(settings), settings.redis_pool_timeout_s
        return cls(
            command=gated_cluster(
                url, permits=_pool_size(settings), wait_s=wait_s, retry_timeouts=False, **options["command"]
            ),
            blocking=gated_cluster(url, permits=2, wait_s=wait_s, **options["blocking"]),
            pubsub=gated_cluster(url, permits=2, wait_s=wait_s, **options["pubsub"]),
            sync=redis.RedisCluster.from_url(url, **options["sync"]),  # type: ignore[arg-type]
        )

    @classmethod
    def _sentinel(cls, settings: Settings) -> RedisClients:
        """The same four as clients of the Sentinels' primary (contract/sentinelclient.py); `command`
        keeps its blocking pool."""
        options, timeout_s = _options(settings), CONNECT_TIMEOUT_S
        return cls(
            command=sentinel_primary(
                settings,
                sentinel_timeout_s=timeout_s,
                pool=(_pool_size(settings), settings.redis_pool_timeout_s),
                **options["command"],
            ),
            blocking=sentinel_primary(settings, sentinel_timeout_s=timeout_s, **options["blocking"]),
            pubsub=sentinel_primary(settings, sentinel_timeout_s=timeout_s, **options["pubsub"]),
            sync=sync_sentinel_primary(settings, sentinel_timeout_s=timeout_s, **options["sync"]),
        )

    @classmethod
    def single(cls, client: aioredis.Redis) -> RedisClients:
        """One client for everything (fakeredis in unit tests)."""
        return cls(command=client, blocking=client, pubsub=client)

    async def aclose(self) -> None:
        seen: set[int] = set()
        for client in (self.command, self.blocking, self.pubsub):
            if id(client) not in seen:
                seen.add(id(client))
                await client.aclose()
        if self.sync is not None:
            self.sync.close()
