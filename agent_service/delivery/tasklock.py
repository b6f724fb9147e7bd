"""The per-task run lock: never two runs of one task at once, even with at-least-once delivery.

Why Lua instead of a bare `SET NX PX`: a redelivered task (its worker died) may still find the dead
worker's lock for up to its TTL. Acquire therefore takes the lock when it is free (SET NX semantics),
keeps it when we already hold it, and takes it over when the holder's heartbeat key is gone (a dead
holder can't renew, and it is what made the reaper redeliver the task). Renew (RENEW, sent with every
heartbeat: heartbeat.py) and release only touch a lock whose value is still ours, so a worker that lost
its lock can't extend or delete someone else's. The TTL equals WORKER_HEARTBEAT_TTL_S.
"""

from __future__ import annotations

from redis.asyncio import Redis

from contract import keys

_HB_PREFIX, _HB_SUFFIX = keys.heartbeat("\0").split("\0")

_ACQUIRE = """
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] or redis.call('EXISTS', ARGV[3] .. cur .. ARGV[4]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
"""Delete a lock only while it still holds our value (task locks here, the reaper lock in reaper.py)."""


class TaskLocks:
    def __init__(self, redis: Redis, worker_id: str, ttl_ms: int) -> None:
        self.worker_id = worker_id
        self.ttl_ms = ttl_ms
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(RENEW)
        self._release = redis.register_script(COMPARE_AND_DELETE)

    async def acquire(self, task_id: str) -> bool:
        """True when the lock is ours now (free, already ours, or its holder's heartbeat is gone)."""
        args = [self.worker_id, self.ttl_ms, _HB_PREFIX, _HB_SUFFIX]
        return bool(await self._acquire(keys=[keys.task_lock(task_id)], args=args))

    async def renew(self, task_id: str) -> bool:
        """Extend one lock if it is still ours (heartbeats renew all of a worker's locks in one pipeline)."""
        return bool(await self._renew(keys=[keys.task_lock(task_id)], args=[self.worker_id, self.ttl_ms]))

    async def release(self, task_id: str) -> None:
        await self._release(keys=[keys.task_lock(task_id)], args=[self.worker_id])
