"""The per-task run lock: never two runs of one task at once, even with at-least-once delivery.

Why Lua instead of a bare `SET NX PX`: a redelivered task (its worker died) may still find the dead
worker's lock for up to its TTL. Acquire therefore takes the lock when it is free (SET NX semantics),
keeps it when we already hold it, and takes it over when the holder's heartbeat key is gone (a dead
holder can't renew, and it is what made the reaper redeliver the task). The heartbeat is in another
Redis Cluster slot than the lock (contract/keys.py), so the take-over is a second script that sets the
lock only while it still names the holder whose heartbeat was found missing. Renew (RENEW, sent with every
heartbeat: heartbeat.py) and release only touch a lock whose value is still ours, so a worker that lost
its lock can't extend or delete someone else's. The TTL equals WORKER_HEARTBEAT_TTL_S.
"""

from __future__ import annotations

from redis.asyncio import Redis

from contract import keys

# Returns {1, ''} when the lock is ours now (it was free or ours), else {0, its holder}.
_ACQUIRE = """
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, ''}
end
return {0, cur}
"""

_TAKE_OVER = """
if redis.call('GET', KEYS[1]) == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
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
        self.redis = redis
        self._acquire = redis.register_script(_ACQUIRE)
        self._take_over = redis.register_script(_TAKE_OVER)
        self._renew = redis.register_script(RENEW)
        self._release = redis.register_script(COMPARE_AND_DELETE)

    async def acquire(self, task_id: str) -> bool:
        """True when the lock is ours now (free, already ours, or its holder's heartbeat is gone)."""
        lock = keys.task_lock(task_id)
        taken, holder = await self._acquire(keys=[lock], args=[self.worker_id, self.ttl_ms])
        if int(taken):
            return True
        if await self.redis.exists(keys.heartbeat(holder)):
            return False
        return bool(await self._take_over(keys=[lock], args=[self.worker_id, holder, self.ttl_ms]))

    async def renew(self, task_id: str) -> bool:
        """Extend one lock if it is still ours (heartbeats renew all of a worker's locks in one pipeline)."""
        return bool(await self._renew(keys=[keys.task_lock(task_id)], args=[self.worker_id, self.ttl_ms]))

    async def release(self, task_id: str) -> None:
        await self._release(keys=[keys.task_lock(task_id)], args=[self.worker_id])
