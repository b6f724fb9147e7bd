"""Redis Cluster clients (REDIS_CLUSTER): redis-py's RedisCluster, with the bounded wait for a free
connection that the single-node clients get from BlockingConnectionPool.

Why a gate: redis-py's asyncio RedisCluster keeps a list of connections per node (ClusterNode) and
raises MaxConnectionsError the moment a node's `max_connections` are all in use; it has no blocking
pool. Under a burst that turned accepted work into errors on one Redis before (backend/connections.py),
so `GatedCluster` holds an asyncio.Semaphore of REDIS_MAX_CONNECTIONS permits instead. Every command
and every pipeline (a transaction from its `async with` to its end, WATCH included) takes one permit,
waiting at most REDIS_POOL_TIMEOUT_S, else it fails with ConnectionError("No connection available."),
as a BlockingConnectionPool does. One holder uses at most one connection per node, so with as many
connections per node as permits no node runs out. Inside a holder (redis-py re-sends a pipeline's
redirected commands through the client; the gateway reads inside its enqueue transaction) the task
keeps its permit (a ContextVar), so nesting never waits on itself.

Why `retry_timeouts`: RedisCluster retries, with a topology refresh, every error in
ERRORS_ALLOW_RETRY, TimeoutError included, and the worker's writes are not idempotent (a timed-out
command may have run): its command client retries connection errors only, as on one Redis
(agent_service/redis_clients.py).

Pub/sub: a classic SUBSCRIBE on one node hears every PUBLISH of the cluster (Redis forwards classic
messages to all nodes), which is what the gateway's relay (its own connection to the default node,
backend/subscriber.py) and the worker's control listener (redis-py's ClusterPubSub,
`get_message(timeout=...)`) need: SUBSCRIBE/UNSUBSCRIBE of any channel on one connection. Sharded pub/sub (SPUBLISH/SSUBSCRIBE, one connection
per shard, a message stays on its shard) would cut the fan-out across nodes but is not used.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

from redis.asyncio.cluster import ClusterPipeline, RedisCluster
from redis.exceptions import ConnectionError, TimeoutError

_holding: ContextVar[bool] = ContextVar("cluster_permit", default=False)


class GatedCluster(RedisCluster):
    """A RedisCluster whose commands wait (bounded) for one of `permits` instead of failing."""

    _gate: asyncio.Semaphore
    _wait_s: float

    def gate(self, permits: int, wait_s: float) -> GatedCluster:
        self._gate = asyncio.Semaphore(permits)
        self._wait_s = wait_s
        return self

    @contextlib.asynccontextmanager
    async def permit(self) -> AsyncIterator[None]:
        if _holding.get():
            yield
            return
        try:
            await asyncio.wait_for(self._gate.acquire(), self._wait_s)
        except builtins.TimeoutError as exc:  # asyncio's, not redis.exceptions.TimeoutError
            raise ConnectionError("No connection available.") from exc
        token = _holding.set(True)
        try:
            yield
        finally:
            _holding.reset(token)
            self._gate.release()

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        async with self.permit():
            return await super().execute_command(*args, **kwargs)

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> ClusterPipeline:
        if shard_hint:
            return super().pipeline(transaction, shard_hint)
        return GatedPipeline(self, transaction)


class _NoTimeoutRetry(GatedCluster):
    ERRORS_ALLOW_RETRY = tuple(e for e in RedisCluster.ERRORS_ALLOW_RETRY if e is not TimeoutError)


class GatedPipeline(ClusterPipeline):
    """A cluster pipeline holding one permit of its client while it is open or executing."""

    cluster_client: GatedCluster
    _held: contextlib.AbstractAsyncContextManager | None = None

    async def __aenter__(self) -> GatedPipeline:
        self._held = self.cluster_client.permit()
        await self._held.__aenter__()
        try:
            return await super().__aenter__()  # type: ignore[return-value]
        except BaseException:
            await self._release(None, None, None)
            raise

    async def __aexit__(self, exc_type, exc_value, traceback) -> None:
        try:
            await super().__aexit__(exc_type, exc_value, traceback)
        finally:
            await self._release(exc_type, exc_value, traceback)

    async def _release(self, *exc: Any) -> None:
        held, self._held = self._held, None
        if held is not None:
            await held.__aexit__(*exc)

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> list[Any]:
        async with self.cluster_client.permit():
            return await super().execute(raise_on_error, allow_redirections)


def gated_cluster(
    url: str, *, permits: int, wait_s: float, retry_timeouts: bool = True, **kwargs: Any
) -> GatedCluster:
    """An asyncio cluster client from one node's URL; `kwargs` as for RedisCluster (timeouts, retry,
    decode_responses, protocol, health_check_interval)."""
    cls = GatedCluster if retry_timeouts else _NoTimeoutRetry
    client = cls.from_url(url, max_connections=permits, **kwargs)
    return client.gate(permits, wait_s)


__all__ = ["GatedCluster", "gated_cluster"]
