"""The gateway's two Redis clients, with timeouts and retries pinned instead of redis-py's defaults.

Why two: pub/sub holds one dedicated connection in subscribed mode for the life of the process
(backend/relay.py), everything else shares the command pool. Why pinned:
- redis-py 8 defaults to a 5 s socket timeout and a retry policy (on ConnectionError and
  TimeoutError) that re-sends *any* command, including writes that may already have reached the
  server. The gateway's only non-idempotent write is the enqueue transaction, and it runs under
  WATCH, where redis-py raises instead of retrying; taskstore.py then checks whether the task hash
  exists (the client-generated task id is the idempotency key). Every other gateway write is safe
  to repeat (HSET, ZADD, LREM, PUBLISH of a cancel, terminal EventLog appends the log refuses
  twice), so a short retry policy is allowed and smooths over a stale pooled connection after a
  Redis restart.
- The command client never runs blocking commands, so the socket timeout can stay short. Its pool is
  a BlockingConnectionPool of REDIS_MAX_CONNECTIONS: redis-py 8's default pool holds 100 connections
  and raises MaxConnectionsError past that, which under a burst of new streams turned accepted work
  into 503s. A command now waits (at most REDIS_POOL_TIMEOUT_S) for a connection to come back.
- The pub/sub client is the template of the relay's one connection (backend/subscriber.py takes
  its connection class and options, and reads without a socket timeout, PINGing on its own): RESP2,
  since with hiredis installed RESP3 push replies leak memory per message (redis-py#4339).
Why the command client decodes replies to `str` and the pub/sub client does not: the command replies
are field values, ids and JSON that the gateway compares and parses, and both services' command
clients decode (agent_service/redis_clients.py), so the code they share (contract/eventlog.py, the
TaskRecord of contract/tasks.py) reads one type. The relay forwards each published event to its
clients as the bytes it arrived as (backend/relay.py, backend/sse.py): decoding it would cost a
decode and an encode per message per stream for nothing.
With REDIS_CLUSTER both are redis-py RedisCluster clients built from the same choices
(contract/clusterclient.py: the pool wait, what pub/sub on a cluster does). With REDIS_SENTINELS
both are clients of the primary the Sentinels name, with the same options and a blocking pool for
commands (contract/sentinelclient.py: what a failover looks like to them).
`RedisFactory` is the seam unit tests use to hand in fakeredis clients sharing one FakeServer.
"""

from __future__ import annotations

from typing import Literal, Protocol

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff

from backend.config import Settings
from contract.clusterclient import gated_cluster
from contract.sentinelclient import sentinel_primary

Purpose = Literal["commands", "pubsub"]


class RedisFactory(Protocol):
    def __call__(self, settings: Settings, purpose: Purpose) -> Redis: ...


def connect(settings: Settings, purpose: Purpose) -> Redis:
    """Build (lazily connecting) the command client or the relay's pub/sub client."""
    options, wait_s = _options(settings, purpose), settings.redis_pool_timeout_s
    if settings.redis_cluster:
        permits = 4 if purpose == "pubsub" else settings.redis_max_connections
        return gated_cluster(settings.redis_url, permits=permits, wait_s=wait_s, **options)  # type: ignore[return-value]
    if settings.redis_sentinels:
        pool = (settings.redis_max_connections, wait_s) if purpose == "commands" else None
        return sentinel_primary(
            settings, sentinel_timeout_s=settings.redis_connect_timeout_s, pool=pool, **options
        )
    if purpose == "pubsub":
        return Redis.from_url(settings.redis_url, **options)
    pool = BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections, timeout=wait_s, **options
    )
    return Redis.from_pool(pool)


def _options(settings: Settings, purpose: Purpose) -> dict:
    """Each client's timeouts, retries, protocol and decoding (the module docstring says why); the same
    on one Redis, a Redis Cluster (the command pool's wait is the cluster client's gate,
    contract/clusterclient.py) and behind Sentinels."""
    timeouts = {
        "socket_connect_timeout": settings.redis_connect_timeout_s,
        "socket_timeout": settings.redis_socket_timeout_s,
    }
    if purpose == "pubsub":
        return {
            "decode_responses": False,
            "protocol": 2,
            "retry": Retry(NoBackoff(), 0),
            **timeouts,
        }
    return {
        "decode_responses": True,
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), settings.redis_retries),
        **timeouts,
    }
