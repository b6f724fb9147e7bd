"""What the workers can take, read from Redis, and the admission check every new chat passes.

The rule itself (free slots, predicted wait from the workers' measured drain rate, the head's age) is
the contract's `Capacity` (contract/workers.py); this module only gathers its inputs:
- live workers: members of agent:workers whose heartbeat key exists (`WorkerBeat`s, with each
  worker's drain_per_s, run_s and whether it still accepts tasks);
- free slots, fresh: each live worker's WORKER_CONCURRENCY minus the length of its processing list
  (every task a worker holds sits there until its terminal event), and 0 for a worker that drains;
- queue depth (LLEN agent:tasks) and the age of the task at its pop end (since it entered the queue:
  TaskRecord.queued_since, the queue-timeout rule's start, contract/tasks.py).
Why a short-lived snapshot: reading all of that is four round trips; under a burst every request
would pay them. A snapshot is reused for SNAPSHOT_S, with the chats this process admitted since
counted into its queue depth, so a burst inside that window is still predicted and refused in time.
Several gateways each keep their own snapshot; between them the error is at most SNAPSHOT_S of
arrivals.
"""

from __future__ import annotations

import asyncio
import time

from pydantic import ValidationError
from redis.asyncio import Redis

from backend.config import Settings
from backend.errors import unavailable
from contract import Capacity, ChatTask, TaskField, TaskRecord, WorkerBeat, keys

SNAPSHOT_S = 0.25
_ENTERED = (TaskField.QUEUED_AT, TaskField.CREATED_AT)


async def live_beats(redis: Redis) -> list[WorkerBeat]:
    """The heartbeats that exist, named by their member of agent:workers (an unreadable one counts as
    a live worker with no slots)."""
    workers = sorted(await redis.smembers(keys.WORKERS))
    if not workers:
        return []
    beats = []
    for worker, raw in zip(workers, await redis.mget([keys.heartbeat(w) for w in workers]), strict=True):
        if raw is None:
            continue
        try:
            beat = WorkerBeat.model_validate_json(raw)
        except ValidationError:
            beat = WorkerBeat()
        beat.worker_id = worker
        beats.append(beat)
    return beats


async def read_capacity(redis: Redis, beats: list[WorkerBeat] | None = None) -> Capacity:
    beats = await live_beats(redis) if beats is None else beats
    async with redis.pipeline(transaction=False) as pipe:
        for beat in beats:
            pipe.llen(keys.processing(beat.worker_id))
        pipe.llen(keys.TASK_QUEUE)
        pipe.lindex(keys.TASK_QUEUE, -1)
        *held, depth, head = await pipe.execute()
    for beat, n in zip(beats, held, strict=True):
        if beat.free_slots > 0:  # a draining worker publishes 0: it takes nothing more
            beat.free_slots = max(beat.concurrency - int(n), 0)
    return Capacity.of(beats, int(depth), await _head_age(redis, head))


async def _head_age(redis: Redis, head: str | None) -> float:
    if head is None:
        return 0.0
    try:
        task = ChatTask.model_validate_json(head)
    except ValidationError:
        return 0.0
    values = await redis.hmget(keys.task(task.task_id), *_ENTERED)
    record = TaskRecord.from_values(_ENTERED, values) or TaskRecord()
    return time.time() - record.queued_since(task.created_at)


class Admission:
    """503 + Retry-After before anything is written when the predicted wait is too long."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.max_wait_s = settings.admit_max_wait_s
        self.retry_floor_s = settings.busy_retry_after_s
        self._snapshot: Capacity | None = None
        self._taken_at = 0.0
        self._admitted = 0
        self._refresh = asyncio.Lock()

    def _stale(self) -> bool:
        return self._snapshot is None or time.monotonic() - self._taken_at > SNAPSHOT_S

    async def current(self) -> Capacity:
        """The snapshot (one reader refreshes it; concurrent requests wait for that one read) plus the
        chats admitted on it."""
        if self._stale():
            async with self._refresh:
                if self._stale():
                    self._snapshot = await read_capacity(self.redis)
                    self._taken_at, self._admitted = time.monotonic(), 0
        assert self._snapshot is not None
        return self._snapshot.with_admitted(self._admitted)

    async def check(self) -> Capacity:
        """Admit (and count) one chat, or raise 503; the snapshot it was admitted on. Counted at once,
        before the enqueue: concurrent requests must see each other; a chat refused later (429, 404)
        only makes the snapshot cautious for the rest of its SNAPSHOT_S."""
        capacity = await self.current()
        if not capacity.admits(self.max_wait_s):
            if capacity.workers_alive == 0:
                detail = "no worker is available, try again shortly"
            else:
                detail = f"all workers are busy (expected wait {capacity.wait_s:.0f}s), try again shortly"
            raise unavailable(detail, capacity.retry_after_s(self.max_wait_s, self.retry_floor_s))
        self._admitted += 1
        return capacity
