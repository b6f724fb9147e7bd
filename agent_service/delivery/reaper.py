"""Recovery of work nobody will finish: dead workers' tasks, tasks no worker picked up, orphans.

Runs in every worker every REAPER_INTERVAL_S; the shared sweeps run under SET agent:reaper:lock NX PX
so only one worker does them at a time.
- Dead workers: a worker in agent:workers whose heartbeat key is gone has each item of its processing
  list moved back onto the pop end of agent:tasks (so it is next) and is SREMed. Its tasks keep their
  attempts count, so the next worker emits a RetryEvent, and MAX_ATTEMPTS bounds a crash loop. The
  per-task lock (tasklock.py) keeps a redelivered task from running beside a live holder.
- Queue timeout: a task still `queued` (never started) that entered agent:tasks more than
  QUEUE_TIMEOUT_S ago gets LREMed and then the terminal ErrorEvent no_worker (only if the LREM removed it,
  so a worker that just took it wins). Redelivered tasks have status `running`, so they are not failed.
  "Entered" is the task hash's `queued_at` (set by the gateway's enqueue and by the event log when it
  promotes a session's follow-up), falling back to `created_at`: a follow-up queued behind a long run
  with multitask=enqueue must not fail with no_worker the moment it is promoted. The rule is the
  contract's (TaskRecord.queue_expired, contract/tasks.py), the one the gateway's watchdog applies.
- Expired approvals: a run paused for approval (contract/approvals.py) whose deadline has passed is
  closed (Lua: only while undecided, so a decision that came first wins; its waiting calls get an
  output in the model history) and ends with the terminal ErrorEvent approval_expired. A due deadline
  of a pause that was decided or is gone is dropped, after pushing the decided resume onto agent:tasks
  if its gateway died before doing so (`Pauses.settle`).
- Orphans (local, no lock needed): an item in *this* worker's processing list that no run owns on two
  sweeps in a row (pickup failed while Redis blipped, release failed) goes back on the queue; the
  requeue also deletes the task lock if this worker still holds it (taskqueue.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection

from redis.asyncio import Redis

from agent_service.config import Settings
from agent_service.delivery.tasklock import COMPARE_AND_DELETE
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.redis_clients import REDIS_ERRORS
from contract import ChatTask, ErrorEvent, EventLog, TaskField, TaskRecord, TaskStatus, keys, queue_timed_out
from contract.approvals import EXPIRED_OUTPUT, Pauses

log = logging.getLogger(__name__)


_QUEUE_FIELDS = (TaskField.STATUS, TaskField.QUEUED_AT, TaskField.CREATED_AT)


class Reaper:
    def __init__(self, redis: Redis, settings: Settings, queue: TaskQueue, owned: Collection[str]) -> None:
        self.redis = redis
        self.settings = settings
        self.queue = queue
        self.worker_id = queue.worker_id
        self.owned = owned
        """Payloads this worker is running or about to run (the worker maintains it)."""
        self._suspects: set[str] = set()
        self._release_lock = redis.register_script(COMPARE_AND_DELETE)
        self.events = EventLog(
            redis, live_ttl_s=settings.task_live_ttl_s, retention_s=settings.event_retention_s
        )
        self.pauses = Pauses(redis)

    async def sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.reaper_interval_s)
            try:
                await self.sweep()
            except REDIS_ERRORS as exc:
                log.debug("reaper skipped a sweep (%s)", type(exc).__name__)
            except Exception:
                log.exception("reaper sweep failed")

    async def sweep(self) -> None:
        await self.requeue_orphans()
        lock_ms = int(max(self.settings.reaper_interval_s * 2, 5) * 1000)
        if not await self.redis.set(keys.REAPER_LOCK, self.worker_id, nx=True, px=lock_ms):
            return
        try:
            await self.requeue_dead_workers()
            await self.fail_stale_queued()
            await self.expire_approvals()
        finally:
            await self._release_lock(keys=[keys.REAPER_LOCK], args=[self.worker_id])

    async def requeue_orphans(self) -> int:
        # An item must look orphaned on two sweeps in a row: one BLMOVE reply may be in flight.
        moved = 0
        suspects = {p for p in await self.queue.in_processing() if p not in self.owned}
        for payload in suspects & self._suspects:
            if payload not in self.owned and await self.queue.requeue(payload):
                moved += 1
        self._suspects = suspects
        if moved:
            log.warning("requeued %s orphaned task(s) from this worker's processing list", moved)
        return moved

    async def requeue_dead_workers(self) -> int:
        moved = 0
        for worker in await self.redis.smembers(keys.WORKERS):
            if worker == self.worker_id or await self.redis.exists(keys.heartbeat(worker)):
                continue
            n = 0
            while await self.redis.lmove(keys.processing(worker), keys.TASK_QUEUE, "RIGHT", "RIGHT"):
                n += 1
            await self.redis.srem(keys.WORKERS, worker)
            if n:
                log.warning("worker %s is dead; redelivered %s task(s)", worker, n)
            moved += n
        return moved

    async def fail_stale_queued(self) -> int:
        failed = 0
        now = time.time()
        timeout = self.settings.queue_timeout_s
        for payload in await self.redis.lrange(keys.TASK_QUEUE, 0, -1):
            try:
                task = ChatTask.model_validate_json(payload)
            except ValueError:
                continue
            if not queue_timed_out(task.created_at, now, timeout):
                continue  # it entered the queue no earlier than it was created: cheap pre-filter
            values = await self.redis.hmget(keys.task(task.task_id), *_QUEUE_FIELDS)
            record = TaskRecord.from_values(_QUEUE_FIELDS, values) or TaskRecord()
            if record.status and record.status != TaskStatus.QUEUED.value:
                continue
            if not record.queue_expired(now, timeout, default=task.created_at):
                continue
            # (a task whose record expired is just dropped: the log refuses to append to it)
            if not await self.events.fail_unclaimed(task.task_id, payload, task.session_id, timeout):
                continue
            failed += 1
            log.warning(
                "task waited longer than QUEUE_TIMEOUT_S; failed with no_worker",
                extra={"task_id": task.task_id},
            )
        return failed

    async def expire_approvals(self) -> int:
        expired = 0
        ttl = self.settings.approval_ttl_s
        for task_id, pause_id in await self.pauses.deadlines.due(time.time()):
            session_id = await self.redis.hget(keys.task(task_id), TaskField.SESSION_ID)
            if not session_id:  # the task is gone: nothing to end
                await self.pauses.finish(task_id, pause_id)
                continue
            history_ttl = self.settings.session_ttl_s
            closing = await self.pauses.close(
                task_id, session_id, pause_id, expiring=True, reason=EXPIRED_OUTPUT, history_ttl_s=history_ttl
            )
            if closing == "early":  # (the deadline's score is a clock's guess; the pause decides)
                continue
            if closing != "claimed":  # decided or gone: its resume may be in no list (Pauses.settle)
                if await self.pauses.settle(task_id, pause_id):
                    log.warning("re-queued a decided resume nobody had pushed", extra={"task_id": task_id})
                continue
            msg = f"Nobody approved or rejected the change within {ttl} s; nothing was changed."
            event = ErrorEvent(task_id=task_id, code="approval_expired", message=msg)
            await self.events.append(event, session_id=session_id)
            await self.pauses.finish(task_id, pause_id)
            expired += 1
            log.info("an approval request expired; the task ended", extra={"task_id": task_id})
        return expired
