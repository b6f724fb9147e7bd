"""Admission limits for new streams: request rate, open streams per key, queue depth.

Rate (slowapi, 429 + Retry-After): counts *starts* of POST /ai/api/chat/stream per API key, in Redis
(shared by every replica) under keys.RATE_LIMIT_PREFIX. slowapi's check is synchronous and runs on
the event loop (slowapi#130), so it is applied to that one short POST only — never to the long GET
streams — and its Redis client gets a sub-second socket timeout: a stalled Redis can freeze every
stream of this process for at most that long. If the limiter's storage is down the request is let
through (`swallow_errors`); the enqueue then fails with a clean 503 anyway. Rate-limit headers are
off (`headers_enabled=False`): with them slowapi makes a second synchronous Redis call per POST, and
after a swallowed storage error it raises AttributeError *after* the task was enqueued (a 500 with
no task id; `prime_limiter_state` closes that); Retry-After on a 429 comes from the limit's window. `SlowAPIMiddleware` /
`SlowAPIASGIMiddleware` are not used: the former is BaseHTTPMiddleware, the latter breaks
streaming (slowapi#249).

Open streams (429): rate is not concurrency, and EventSource reconnects count too. Each open SSE
stream holds a member of keys.owner_streams(owner), a ZSET scored by lease expiry, added atomically
only if fewer than MAX_STREAMS_PER_KEY unexpired members exist. The ticker refreshes the leases of
all open streams in one pipeline (backend/ticker.py), and a stream removes its own when it ends; a
crashed gateway's slots simply expire.

Queue depth (503 + Retry-After): LLEN agent:tasks over MAX_QUEUE_DEPTH means the workers are behind;
refusing early is kinder than a task that times out with no_worker.
"""

from __future__ import annotations

import time
import uuid

from fastapi import Request
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from starlette.responses import JSONResponse

from backend.config import Settings
from backend.contract import keys
from backend.errors import ApiError, unavailable


def prime_limiter_state(request: Request) -> None:
    """Route dependency for limited routes: slowapi's wrapper reads request.state.view_rate_limit
    after the endpoint returns, and never sets it when its storage failed and the error was
    swallowed, which turned an accepted (already enqueued) chat into a 500."""
    request.state.view_rate_limit = None


def owner_key(request: Request) -> str:
    """slowapi key_func: the authenticated owner (auth runs first, as a dependency)."""
    return getattr(request.state, "owner", "") or "anonymous"


def build_limiter(settings: Settings) -> Limiter:
    uri = settings.limiter_storage_url
    options: dict = {}
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        timeout = settings.rate_limit_socket_timeout_s
        # no retries either: each one would be another blocking round-trip on the event loop
        options = {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "retry": Retry(NoBackoff(), 0),
        }
    return Limiter(
        key_func=owner_key,
        storage_uri=uri,
        storage_options=options,
        key_prefix=keys.RATE_LIMIT_PREFIX,
        headers_enabled=False,
        swallow_errors=True,
        strategy="fixed-window",
    )


async def rate_limit_exceeded(request: Request, exc: RateLimitExceeded) -> JSONResponse:
    """429 with Retry-After = the limit's window (fixed-window: the budget is whole again by then)."""
    window = int(exc.limit.limit.get_expiry()) if exc.limit is not None else 1
    return JSONResponse(
        {"detail": f"Rate limit exceeded: {exc.detail}"},
        status_code=429,
        headers={"Retry-After": str(max(window, 1))},
    )


_ACQUIRE = """
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class StreamSlots:
    """The per-key open-stream cap (MAX_STREAMS_PER_KEY), leased in Redis across replicas."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.cap = settings.max_streams_per_key
        self.lease_s = settings.stream_lease_s
        self._acquire = redis.register_script(_ACQUIRE)

    async def acquire(self, owner: str) -> str:
        """Take a slot or raise 429. Returns the slot id to refresh/release. Idempotent per slot id, so
        the command client's retry after a lost reply cannot take a second slot."""
        slot = uuid.uuid4().hex
        now = time.time()
        ok = await self._acquire(
            keys=[keys.owner_streams(owner)],
            args=[now, now + self.lease_s, slot, self.cap, self.lease_s * 2],
        )
        if not int(ok):
            raise ApiError(
                429,
                f"too many open streams for this API key (at most {self.cap})",
                headers={"Retry-After": "5"},
            )
        return slot

    async def refresh(self, owner: str, slot: str) -> None:
        key = keys.owner_streams(owner)
        await self.redis.zadd(key, {slot: time.time() + self.lease_s}, xx=True)
        await self.redis.expire(key, self.lease_s * 2)

    async def refresh_many(self, held: list[tuple[str, str]]) -> None:
        """Extend the leases of many open streams in one pipeline (the ticker's periodic pass)."""
        expiry = time.time() + self.lease_s
        async with self.redis.pipeline(transaction=False) as pipe:
            for owner, slot in held:
                pipe.zadd(keys.owner_streams(owner), {slot: expiry}, xx=True)
            for owner in {owner for owner, _ in held}:
                pipe.expire(keys.owner_streams(owner), self.lease_s * 2)
            await pipe.execute()

    async def release(self, owner: str, slot: str) -> None:
        await self.redis.zrem(keys.owner_streams(owner), slot)


async def check_queue_depth(redis: Redis, settings: Settings) -> None:
    depth = await redis.llen(keys.TASK_QUEUE)
    if depth >= settings.max_queue_depth:
        raise unavailable("the task queue is full, try again shortly", settings.busy_retry_after_s)
