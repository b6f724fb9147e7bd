"""The reliable queue, from the worker's side (Redis LMOVE reliable-queue pattern).

BLMOVE agent:tasks → agent:processing:{worker} RIGHT→LEFT moves a task atomically into this worker's
processing list, so a task is always in exactly one list until the worker removes it after its terminal
event (`done`). Giving a task back (`requeue`: SIGTERM hand-back, orphans, dead workers) is one Lua
call that removes it from the processing list and RPUSHes it on the pop end of agent:tasks only if
the removal happened, so a task can't be requeued twice or lost between the two commands.
"""

from __future__ import annotations

from redis.asyncio import Redis

from backend.contract import keys

_REQUEUE = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
"""


class TaskQueue:
    def __init__(self, redis: Redis, blocking: Redis, worker_id: str) -> None:
        self.redis = redis
        self.blocking = blocking
        self.worker_id = worker_id
        self.processing = keys.processing(worker_id)
        self._requeue = redis.register_script(_REQUEUE)

    async def take(self, timeout_s: float) -> bytes | None:
        """Wait up to timeout_s for a task; it lands in this worker's processing list."""
        return await self.blocking.blmove(keys.TASK_QUEUE, self.processing, timeout_s, "RIGHT", "LEFT")

    async def done(self, payload: bytes) -> None:
        await self.redis.lrem(self.processing, 1, payload)

    async def requeue(self, payload: bytes, worker_id: str | None = None) -> bool:
        """Move one task from a processing list back to the head (pop end) of agent:tasks."""
        source = keys.processing(worker_id) if worker_id else self.processing
        return bool(await self._requeue(keys=[source, keys.TASK_QUEUE], args=[payload]))

    async def in_processing(self, worker_id: str | None = None) -> list[bytes]:
        return await self.redis.lrange(keys.processing(worker_id or self.worker_id), 0, -1)
