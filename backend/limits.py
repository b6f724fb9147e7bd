"""Admission limits for new streams: request rate, queue depth and open streams, per user and per
API key, in ONE Redis round trip.

Why per user AND per key: a key identifies a client application, a person is a user
(backend/principal.py). Each user gets their own budget (RATE_LIMIT, MAX_STREAMS_PER_USER), so one
busy colleague cannot use up everyone's; and the key gets a separate, higher ceiling on the total of
all its users (KEY_RATE_LIMIT, MAX_STREAMS_PER_KEY), so one client application cannot take the whole
gateway. A caller has one or two budgets:
    user with a key (token + key, or a proxy key's user)   the user's and the key's
    user with a token alone                                 the user's
    key alone (a service client, its own owner)             the key's: it is that key's total
Why one Lua script (`_ADMIT`): each POST used to pay a synchronous rate-limit call (slowapi, on the
event loop: a stalled Redis froze every stream of the process for its socket timeout), an LLEN and
the slot script. Now one EVALSHA on the shared async command client CHECKS, in this order:
  1. rate (429 + Retry-After, "user_rate" then "key_rate"): fixed windows per limit ('60/minute;1000/
     hour', parsed by the `limits` library), one counter per budget and limit (keys.rate_counter),
     shared by every replica; a window starts at its first counted chat and Retry-After is the time
     left in the window that refused;
  2. queue depth (503 + Retry-After): LLEN agent:tasks at MAX_QUEUE_DEPTH means the workers are
     behind; refusing early is kinder than a task that times out with no_worker;
  3. open streams (429, "user_streams" then "key_streams"): rate is not concurrency, and EventSource
     reconnects count too. Each open SSE stream holds one member (its slot id) in the stream ZSET of
     each of its budgets (keys.owner_streams, scored by lease expiry); it fits while every set holds
     fewer unexpired members than its cap. The ticker refreshes the leases of all open streams in one
     pipeline and gives ended streams' slots back from every set in one pipeline (backend/ticker.py);
     a crashed gateway's slots simply expire;
and only when all passed, WRITES: the counters, and the slot into every set. So a refused chat
counts against nothing and holds nothing (a chat the key's ceiling refused costs its user nothing).
The script also returns the rate limit closest to running out, for the RateLimit-Limit / -Remaining
/ -Reset headers (RATE_LIMIT_HEADERS) at no extra round trip.
A resumed stream (GET /tasks/{id}/events) runs the same script without rate limits or depth check:
only its slots. The script answers "admitted" at once for a slot id it already holds, so the command
client's retry after a lost reply cannot take a second slot.
If Redis is down the POST fails with a clean 503 (errors.py), before anything was enqueued.
The public share route (GET /shared/{id}, no key) has a rate limit per client IP (`ClientRate`,
SHARE_RATE_LIMIT, "share_rate"): the same script with no budget's stream set and no depth check, so its
counters, windows and Retry-After work exactly like a chat's.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Literal

from limits import parse_many
from redis.asyncio import Redis

from backend.config import Settings
from backend.errors import ApiError, unavailable
from backend.principal import Principal, key_owner
from contract import keys

# KEYS: the task queue, the stream ZSET of each budget (n of them, 0 for a client IP), then the rate counters.
# ARGV: now, lease expiry, slot id, ZSET ttl, max queue depth (-1: no check), n, the n stream caps,
#       then per counter its amount, its window in seconds and its budget (1..n).
# Returns {0, limit, remaining, reset} admitted (limit -1: no rate limit counted) |
#         {1, retry_after_s, budget, limit} rate limited | {2, 0, 0, 0} queue full |
#         {3, budget, cap, 0} stream cap.
_ADMIT = """
local n = tonumber(ARGV[6])
if n > 0 and redis.call('ZSCORE', KEYS[2], ARGV[3]) then return {0, -1, 0, 0} end
local first, base = n + 2, n + 7
local limit, left, reset = -1, 0, 0
for i = first, #KEYS do
  local a = base + 3 * (i - first)
  local amount, window = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  local ttl = redis.call('TTL', KEYS[i])
  if ttl < 0 then ttl = window end
  if count >= amount then return {1, ttl, tonumber(ARGV[a + 2]), amount} end
  if limit < 0 or amount - count - 1 < left then limit, left, reset = amount, amount - count - 1, ttl end
end
local depth = tonumber(ARGV[5])
if depth >= 0 and redis.call('LLEN', KEYS[1]) >= depth then return {2, 0, 0, 0} end
for b = 1, n do
  local cap = tonumber(ARGV[6 + b])
  if redis.call('ZCOUNT', KEYS[1 + b], '(' .. ARGV[1], '+inf') >= cap then return {3, b, cap, 0} end
end
for i = first, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 or redis.call('TTL', KEYS[i]) < 0 then
    redis.call('EXPIRE', KEYS[i], ARGV[base + 3 * (i - first) + 1])
  end
end
for b = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[1 + b], '-inf', ARGV[1])
  redis.call('ZADD', KEYS[1 + b], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[1 + b], ARGV[4])
end
return {0, limit, left, reset}
"""

RefusedLimit = Literal["user_rate", "key_rate", "user_streams", "key_streams", "share_rate"]
"""The `limit` a 429 names (the UI says what it means from this union, via the wire types)."""
_REFUSED: dict[RefusedLimit, str] = {
    "user_rate": "Rate limit exceeded: too many new chats for this user",
    "key_rate": "Rate limit exceeded: too many new chats through this API key (all its users together)",
    "user_streams": "too many open streams for this user (at most {cap})",
    "key_streams": "too many open streams through this API key (at most {cap}, all its users together)",
    "share_rate": "Rate limit exceeded: too many reads of shared conversations from this address",
}
STREAMS_RETRY_AFTER_S = 5


class RateLimit:
    """A rate-limit string parsed once: per limit its amount, its window (s) and its counter's name."""

    def __init__(self, spec: str) -> None:
        self.limits = [
            (item.amount, int(item.get_expiry()), f"{item.amount}/{item.multiples}{item.GRANULARITY.name}")
            for item in (parse_many(spec) if spec.strip() else [])
        ]


@dataclass(frozen=True, slots=True)
class Slot:
    """A held stream slot: its id and the stream ZSETs (the user's, the key's) it is a member of."""

    id: str
    sets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Admitted:
    slot: Slot
    headers: dict[str, str] = field(default_factory=dict)
    """RateLimit-* headers for the response (empty when off or no rate limit applies)."""


def budgets(principal: Principal) -> list[tuple[str, str]]:
    """(scope, owner id) of every budget a caller's chats count against: 'user' and/or 'key'."""
    if principal.kind == "key":
        return [("key", principal.owner)]
    if principal.key_id is None:
        return [("user", principal.owner)]
    return [("user", principal.owner), ("key", key_owner(principal.key_id))]


class StreamSlots:
    """The door of every stream: the rate limits, the queue depth and the open-stream caps, per user
    and per key, leased in Redis across replicas."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.caps = {"user": settings.max_streams_per_user, "key": settings.max_streams_per_key}
        self.rates = {"user": RateLimit(settings.rate_limit), "key": RateLimit(settings.key_rate_limit)}
        self.headers = settings.rate_limit_headers
        self.lease_s = settings.stream_lease_s
        self.max_depth = settings.max_queue_depth
        self.busy_retry_after_s = settings.busy_retry_after_s
        self._admit = redis.register_script(_ADMIT)

    async def admit(self, principal: Principal) -> Admitted:
        """A new chat: rate, queue depth and a stream slot in one round trip, or 429 / 503."""
        return await self._take(principal, rated=True, depth=self.max_depth)

    async def acquire(self, principal: Principal) -> Slot:
        """A resumed stream: only a slot (or 429)."""
        return (await self._take(principal, rated=False, depth=-1)).slot

    async def _take(self, principal: Principal, *, rated: bool, depth: int) -> Admitted:
        scopes = budgets(principal)
        slot = Slot(uuid.uuid4().hex, tuple(keys.owner_streams(owner) for _, owner in scopes))
        counters: list[str] = []
        rate_args: list[int] = []
        for budget, (scope, owner) in enumerate(scopes if rated else [], 1):
            for amount, window, name in self.rates[scope].limits:
                counters.append(keys.rate_counter(owner, name))
                rate_args += (amount, window, budget)
        now = time.time()
        reply = await self._admit(
            keys=[keys.TASK_QUEUE, *slot.sets, *counters],
            args=[now, now + self.lease_s, slot.id, self.lease_s * 2, depth, len(scopes)]
            + [self.caps[scope] for scope, _ in scopes]
            + rate_args,
        )
        code, a, b, c = (int(x) for x in reply)
        if code == 0:
            return Admitted(slot, self._rate_headers(a, b, c) if a >= 0 else {})
        if code == 1:
            retry_after = max(1, a)
            raise refused(f"{scopes[b - 1][0]}_rate", retry_after, self._rate_headers(c, 0, retry_after))
        if code == 2:
            raise unavailable("the task queue is full, try again shortly", self.busy_retry_after_s)
        raise refused(f"{scopes[a - 1][0]}_streams", STREAMS_RETRY_AFTER_S, {}, cap=b)

    def _rate_headers(self, limit: int, remaining: int, reset: int) -> dict[str, str]:
        if not self.headers:
            return {}
        return {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(max(0, remaining)),
            "RateLimit-Reset": str(max(0, reset)),
        }

    async def refresh_many(self, held: list[Slot]) -> None:
        """Extend the leases of many open streams in every set they are in, in one pipeline (the
        ticker's periodic pass)."""
        expiry = time.time() + self.lease_s
        async with self.redis.pipeline(transaction=False) as pipe:
            for slot in held:
                for name in slot.sets:
                    pipe.zadd(name, {slot.id: expiry}, xx=True)
            for name in {name for slot in held for name in slot.sets}:
                pipe.expire(name, self.lease_s * 2)
            await pipe.execute()

    async def release(self, slot: Slot) -> None:
        await self.release_many([slot])

    async def release_many(self, ended: list[Slot]) -> None:
        """Give slots back from every set they hold a member of, in one pipeline."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for slot in ended:
                for name in slot.sets:
                    pipe.zrem(name, slot.id)
            await pipe.execute()


class ClientRate:
    """A rate limit per client IP for a route that needs no key (GET /shared/{id}, SHARE_RATE_LIMIT).

    The IP is the connection's peer, which uvicorn replaces with X-Forwarded-For's client when
    PROXY_HEADERS is on and the peer is one of FORWARDED_ALLOW_IPS: behind a proxy the readers are not
    all one address, and a client elsewhere cannot choose its own by sending the header."""

    def __init__(self, redis: Redis, spec: str, limit: RefusedLimit) -> None:
        self.rate = RateLimit(spec)
        self.limit = limit
        self._admit = redis.register_script(_ADMIT)

    async def check(self, ip: str) -> None:
        """Counts one request from `ip`, or raises 429 with Retry-After (counting nothing)."""
        if not self.rate.limits:
            return
        owner = f"ip:{ip}"
        now = time.time()
        reply = await self._admit(
            keys=[keys.TASK_QUEUE, *(keys.rate_counter(owner, name) for _, _, name in self.rate.limits)],
            args=[now, now, "", 0, -1, 0]
            + [arg for amount, window, _ in self.rate.limits for arg in (amount, window, 1)],
        )
        code, retry_after = int(reply[0]), int(reply[1])
        if code == 1:
            raise refused(self.limit, max(1, retry_after), {})


def refused(limit: RefusedLimit, retry_after: int, headers: dict[str, str], cap: int = 0) -> ApiError:
    """The 429 of a refused request: the message, Retry-After and the `limit` it hit."""
    return ApiError(
        429,
        _REFUSED[limit].format(cap=cap),
        headers={"Retry-After": str(retry_after), **headers},
        extra={"limit": limit},
    )
