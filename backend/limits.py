"""Admission limits for new streams: request rate, queue depth and open streams per key, in ONE
Redis round trip.

Why one Lua script (`_ADMIT`): each POST used to pay a synchronous rate-limit call (slowapi, on the
event loop: a stalled Redis froze every stream of the process for its socket timeout), an LLEN and
the slot script. Now one EVALSHA on the shared async command client checks, in this order, and
writes nothing past a refusal:
  1. rate (429 + Retry-After): RATE_LIMIT ('60/minute;1000/hour', parsed by the `limits` library)
     counts *starts* of POST /ai/api/chat/stream per owner in fixed windows, one counter per limit
     under keys.RATE_LIMIT_PREFIX, shared by every replica. A window starts at its first hit;
     Retry-After is the time left in the window that refused. The counters are per owner (today an
     API key's id), so a per-user limit later only needs another owner id;
  2. queue depth (503 + Retry-After): LLEN agent:tasks at MAX_QUEUE_DEPTH means the workers are
     behind; refusing early is kinder than a task that times out with no_worker;
  3. open streams (429): rate is not concurrency, and EventSource reconnects count too. Each open SSE
     stream holds a member of keys.owner_streams(owner), a ZSET scored by lease expiry, added only if
     fewer than MAX_STREAMS_PER_KEY unexpired members exist. The ticker refreshes the leases of all
     open streams in one pipeline (backend/ticker.py) and a stream removes its own when it ends; a
     crashed gateway's slots simply expire.
A resumed stream (GET /tasks/{id}/events) runs the same script without rate limits or depth check:
only its slot. The script answers "admitted" at once for a slot id it already holds, so the command
client's retry after a lost reply cannot take a second slot (at worst one start is counted twice).
If Redis is down the POST fails with a clean 503 (errors.py), before anything was enqueued.
"""

from __future__ import annotations

import math
import time
import uuid

from limits import parse_many
from redis.asyncio import Redis

from backend.config import Settings
from backend.contract import keys
from backend.errors import ApiError, unavailable

# KEYS: the owner's stream ZSET, the task queue, then one counter per rate limit.
# ARGV: now, lease expiry, slot id, stream cap, ZSET ttl, max queue depth (-1: no check),
#       then per rate limit its amount and its window in seconds.
# Returns {0, 0} admitted | {1, retry_after_s} rate limited | {2, 0} queue full | {3, 0} stream cap.
_ADMIT = """
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return {0, 0} end
for i = 3, #KEYS do
  local amount, window = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
  local count = redis.call('INCR', KEYS[i])
  local ttl = redis.call('TTL', KEYS[i])
  if count == 1 or ttl < 0 then
    redis.call('EXPIRE', KEYS[i], window)
    ttl = window
  end
  if count > amount then return {1, ttl} end
end
local depth = tonumber(ARGV[6])
if depth >= 0 and redis.call('LLEN', KEYS[2]) >= depth then return {2, 0} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return {3, 0} end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {0, 0}
"""


class RateLimit:
    """RATE_LIMIT parsed once: per limit its amount, its window (s) and its counter's key suffix."""

    def __init__(self, spec: str) -> None:
        self.limits = [
            (item.amount, int(item.get_expiry()), f"{item.amount}/{item.multiples}{item.GRANULARITY.name}")
            for item in (parse_many(spec) if spec.strip() else [])
        ]

    def keys_for(self, owner: str) -> list[str]:
        return [f"{keys.RATE_LIMIT_PREFIX}:{owner}:{suffix}" for _, _, suffix in self.limits]

    def args(self) -> list[int]:
        return [n for amount, window, _ in self.limits for n in (amount, window)]


class StreamSlots:
    """The door of every stream: the rate limit, the queue depth and the per-key open-stream cap
    (MAX_STREAMS_PER_KEY), leased in Redis across replicas."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.cap = settings.max_streams_per_key
        self.lease_s = settings.stream_lease_s
        self.rate = RateLimit(settings.rate_limit)
        self.max_depth = settings.max_queue_depth
        self.busy_retry_after_s = settings.busy_retry_after_s
        self._admit = redis.register_script(_ADMIT)

    async def admit(self, owner: str) -> str:
        """A new chat: rate, queue depth and a stream slot in one round trip. Returns the slot id
        (to release) or raises 429 / 503."""
        return await self._take(owner, self.rate.keys_for(owner), self.rate.args(), self.max_depth)

    async def acquire(self, owner: str) -> str:
        """A resumed stream: only a slot (or 429)."""
        return await self._take(owner, [], [], -1)

    async def _take(self, owner: str, rate_keys: list[str], rate_args: list[int], depth: int) -> str:
        slot = uuid.uuid4().hex
        now = time.time()
        code, retry = await self._admit(
            keys=[keys.owner_streams(owner), keys.TASK_QUEUE, *rate_keys],
            args=[now, now + self.lease_s, slot, self.cap, self.lease_s * 2, depth, *rate_args],
        )
        code = int(code)
        if code == 0:
            return slot
        if code == 1:
            retry_after = str(max(1, math.ceil(int(retry))))
            raise ApiError(
                429,
                "Rate limit exceeded: too many new chats for this API key",
                headers={"Retry-After": retry_after},
            )
        if code == 2:
            raise unavailable("the task queue is full, try again shortly", self.busy_retry_after_s)
        raise ApiError(
            429, f"too many open streams for this API key (at most {self.cap})", headers={"Retry-After": "5"}
        )

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

    async def release_many(self, ended: list[tuple[str, str]]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for owner, slot in ended:
                pipe.zrem(keys.owner_streams(owner), slot)
            await pipe.execute()
