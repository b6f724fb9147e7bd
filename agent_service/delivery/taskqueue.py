"""The reliable queue, from the worker's side (Redis LMOVE reliable-queue pattern).

BLMOVE agent:tasks → agent:processing:{worker} RIGHT→LEFT moves a task atomically into this worker's
processing list, so a task is always in exactly one list until the worker removes it after its terminal
event (`done`). Giving a task back (`requeue`: SIGTERM hand-back, orphans, dead workers) is one Lua
call that removes it from the processing list and RPUSHes it on the pop end of agent:tasks only if
the removal happened, so a task can't be requeued twice or lost between the two commands.

Why requeue also deletes the task's lock (when it is still held by the list's worker): a requeued task
must be runnable by the next worker. A lock left behind by a failed release would otherwise make the next
pickup see "locked by a live worker" until it expires. The task id is read from the payload, so every
caller (hand-back, orphan sweep, leftovers at start) gets this without knowing about locks. The lock
is in the task's Redis Cluster slot, the lists in the queue's (contract/keys.py), so it is deleted
first, by its own compare-and-delete: a task back on the queue never waits for our lock, and a lock
deleted before a requeue that then fails only leaves the item in our list for the orphan sweep.

Why `take_more`: a worker with hundreds of runs in flight has a busy event loop, and each BLMOVE is a
few loop turns away from the next; one task per turn capped pickups at ~30/s while 400 tasks waited
with 500 slots free (measured: queued 15 s). Once BLMOVE returned one task, the worker takes as many
more as it has free slots (at most TAKE_BATCH) in one Lua call, each moved the same way (RIGHT→LEFT
into its processing list), stopping at an empty queue.
"""

from __future__ import annotations

from redis.asyncio import Redis

from agent_service.delivery.tasklock import COMPARE_AND_DELETE
from contract import keys, task_id_of

_REQUEUE = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
"""


_TAKE_MORE = """
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local v = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not v then break end
  out[#out + 1] = v
end
return out
"""
TAKE_BATCH = 64
"""Most tasks one take_more call moves."""


class TaskQueue:
    def __init__(self, redis: Redis, blocking: Redis, worker_id: str) -> None:
        self.redis = redis
        self.blocking = blocking
        self.worker_id = worker_id
        self.processing = keys.processing(worker_id)
        self._requeue = redis.register_script(_REQUEUE)
        self._release_lock = redis.register_script(COMPARE_AND_DELETE)
        self._take_more = redis.register_script(_TAKE_MORE)

    async def take(self, timeout_s: float) -> str | None:
        """Wait up to timeout_s for a task; it lands in this worker's processing list."""
        return await self.blocking.blmove(keys.TASK_QUEUE, self.processing, timeout_s, "RIGHT", "LEFT")

    async def take_more(self, n: int) -> list[str]:
        """Up to n more tasks at once, without waiting (fewer when the queue runs out)."""
        if n <= 0:
            return []
        return list(await self._take_more(keys=[keys.TASK_QUEUE, self.processing], args=[n]))

    async def done(self, payload: str) -> None:
        """Remove one copy of the payload from this worker's processing list."""
        await self.redis.lrem(self.processing, 1, payload)

    async def requeue(self, payload: str, worker_id: str | None = None) -> bool:
        """Move one task from a processing list back to the head (pop end) of agent:tasks, deleting
        its lock first if that list's worker still holds it."""
        owner = worker_id or self.worker_id
        task_id = task_id_of(payload)
        if task_id is not None:
            await self._release_lock(keys=[keys.task_lock(task_id)], args=[owner])
        return bool(await self._requeue(keys=[keys.processing(owner), keys.TASK_QUEUE], args=[payload]))

    async def in_processing(self, worker_id: str | None = None) -> list[str]:
        return await self.redis.lrange(keys.processing(worker_id or self.worker_id), 0, -1)
