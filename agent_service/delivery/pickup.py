"""Delivery: one dequeued payload from pickup to release (its run is execution/run.py's).

Why it looks like this:
- At-least-once delivery: the per-task lock (tasklock.py) keeps a redelivered copy from running while
  the first is alive; a finished or unknown task is dropped; `attempts` (HINCRBY) bounds crash loops
  (past MAX_ATTEMPTS the task ends with error max_attempts). A copy locked by another live worker is put
  back on the queue after DUPLICATE_RETRY_S, never dropped (the lock may be stale); a copy of a task this
  worker already runs is removed (one LREM).
- The lock is released in its own finally, apart from the requeue/done command, so a Redis error there
  cannot leave a stale lock behind.
- Every accepted task ends in exactly one terminal event (execution/run.py writes it). The only exceptions
  are hand-backs (SIGTERM drain) and a lost lock: those tasks go back to the queue and the next attempt
  starts with a RetryEvent.
- Runs are stopped from outside (cancel, drain, a lost lock) through `ActiveRun.stop(reason)`; the reason
  picks the ending (runstate.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from pydantic import ValidationError
from redis.asyncio import Redis

from agent_service.config import Settings
from agent_service.delivery.tasklock import TaskLocks
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.delivery.throughput import Throughput
from agent_service.execution.eventsink import EventSink
from agent_service.execution.history import Conversation
from agent_service.execution.record import RunRecord
from agent_service.execution.run import Execution
from agent_service.execution.runstate import RETRY_MESSAGE, ActiveRun, AgentSetup
from agent_service.metrics import WorkerMetrics
from agent_service.redis_clients import REDIS_ERRORS
from contract import (
    CancelledEvent,
    ChatTask,
    ErrorEvent,
    EventLog,
    RetryEvent,
    TaskField,
    TaskRecord,
    TaskStatus,
    keys,
    logfields,
)

log = logging.getLogger(__name__)

DUPLICATE_RETRY_S = 0.75
"""How long a copy of a task locked by another live worker waits before going back on the queue."""


class TaskDelivery:
    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        queue: TaskQueue,
        setup: Callable[[str], AgentSetup | None],
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or WorkerMetrics()
        self.redis = redis
        self.queue = queue
        self.worker_id = queue.worker_id
        self.events = EventLog(
            redis, live_ttl_s=settings.task_live_ttl_s, retention_s=settings.event_retention_s
        )
        self.locks = TaskLocks(redis, self.worker_id, settings.worker_heartbeat_ttl_s * 1000)
        self.conversation = Conversation(redis, settings)
        self.execution = Execution(settings, redis, self.conversation, setup)
        self.active: dict[str, ActiveRun] = {}
        self.mean_run_s = 0.0
        """Moving average of how long a run takes (the gateway's fallback for predicting waits)."""
        self.throughput = Throughput()
        """Payloads finished per second while saturated (what the gateway predicts waits from)."""

    def _timed(self, seconds: float) -> None:
        self.mean_run_s = seconds if not self.mean_run_s else self.mean_run_s * 0.9 + seconds * 0.1

    def stop(self, task_id: str, reason: str) -> bool:
        run = self.active.get(task_id)
        if run is None:
            return False
        log.info("stopping run (%s)", reason, extra={"task_id": task_id})
        run.stop(reason)
        return True

    def stop_all(self, reason: str) -> None:
        for task_id in list(self.active):
            self.stop(task_id, reason)

    def lock_lost(self, task_id: str) -> None:
        """A heartbeat could not renew this task's lock (taken over, or gone): stop the run, no terminal."""
        run = self.active.get(task_id)
        if run is not None:
            log.warning("lost the task lock; abandoning the run", extra={"task_id": task_id})
            run.stop("lost")

    async def deliver(self, payload: str) -> None:
        """Take one dequeued payload to its end: run, drop or hand back. Never raises except CancelledError."""
        try:
            await self._deliver(payload)
        finally:
            self.throughput.ended()

    async def _deliver(self, payload: str) -> None:
        try:
            task = ChatTask.model_validate_json(payload)
        except ValidationError:
            log.error("dropping a malformed task payload")
            await self.queue.done(payload)
            return
        logfields.task_id.set(task.task_id)
        logfields.session_id.set(task.session_id)
        logfields.request_id.set(task.request_id)
        try:
            if task.task_id in self.active:
                return await self._drop_copy(payload)
            if not await self.locks.acquire(task.task_id):
                return await self._bounce(payload)
            if task.task_id in self.active:  # a second copy raced the first through acquire
                return await self._drop_copy(payload)
            run = ActiveRun(task, payload)
            self.active[task.task_id] = run
            try:
                await self._attempt(run)
                took = time.monotonic() - run.started
                self._timed(took)
                if run.outcome:
                    self.metrics.run_duration.labels(run.outcome).observe(took)
            finally:
                if self.active.get(task.task_id) is run:
                    del self.active[task.task_id]
                await asyncio.shield(self._release(run))
        except asyncio.CancelledError:
            raise
        except Exception:
            # Redis down at pickup and similar: the payload stays in the processing list and the
            # worker's orphan sweep puts it back on the queue (deleting our lock if it is still there).
            log.exception("task pickup failed; it will be requeued")

    async def _drop_copy(self, payload: str) -> None:
        """This worker already runs the task (the reaper re-queued our entry and we took it back):
        remove just this copy (LREM count=1), so the running run's entry stays until it ends."""
        log.warning("this worker already runs the task; dropping the redelivered copy")
        await self.queue.done(payload)

    async def _bounce(self, payload: str) -> None:
        """Another live worker holds the lock. Never drop the payload: if that lock is stale (a failed
        release) nobody would ever finish the task. Put it back after a short delay instead; once the
        holder ends the task the next pickup drops it as finished, once a stale lock expires it runs."""
        log.info("task is locked by another live worker; putting it back in %.1fs", DUPLICATE_RETRY_S)
        await asyncio.sleep(DUPLICATE_RETRY_S)
        await self.queue.requeue(payload)

    async def _release(self, run: ActiveRun) -> None:
        """Hand back or remove the payload, then release the lock in its own step: a failed queue
        command must never leave our lock behind (the retry would look like a duplicate)."""
        try:
            if run.requeue:
                await self.queue.requeue(run.payload)
            elif run.done:
                await self.queue.done(run.payload)
        except REDIS_ERRORS:
            log.warning("could not hand back or remove the task; the orphan sweep will")
        finally:
            try:
                await self.locks.release(run.task.task_id)
            except REDIS_ERRORS:  # the orphan sweep's requeue deletes it, or it expires
                log.warning("could not release the task lock")

    async def _attempt(self, run: ActiveRun) -> None:
        task, r = run.task, self.redis
        record = TaskRecord.parse(await r.hgetall(keys.task(task.task_id)))
        if record is None or record.finished:
            log.info("skipping a finished or unknown task")
            run.done = True
            return
        if record.pause != task.resume or record.status == TaskStatus.AWAITING_APPROVAL.value:
            # a copy from before the task's latest pause (the run that paused died before letting go of
            # it) or of an earlier resume: the pause's decision re-queues the task as its own resume
            log.info("dropping a stale copy of a paused task")
            run.done = True
            return
        attempts = await r.hincrby(keys.task(task.task_id), TaskField.ATTEMPTS, 1)
        flush_ms, on_end = self.settings.token_flush_ms, lambda: run.stop("ended")
        sink = EventSink(self.events, RunRecord(task), flush_ms, on_end=on_end)
        if attempts > self.settings.max_attempts:
            log.warning("giving up after %s attempts", attempts - 1)
            msg = f"The task failed on every attempt ({self.settings.max_attempts})."
            await self.execution.end(
                run, sink, ErrorEvent(task_id=task.task_id, code="max_attempts", message=msg)
            )
            return
        await r.hset(
            keys.task(task.task_id),
            mapping={
                TaskField.STATUS: TaskStatus.RUNNING.value,
                TaskField.WORKER: self.worker_id,
                TaskField.STARTED_AT: repr(now := time.time()),
            },
        )
        if attempts == 1:  # a redelivery's queued_at is its first enqueue: not a wait for a worker
            self.metrics.queue_wait.observe(max(now - record.queued_since(now), 0.0))
        if record.cancel or run.stop_reason == "cancel":
            await self.execution.end(run, sink, CancelledEvent(task_id=task.task_id))
            return
        if attempts > 1:
            self.metrics.redeliveries.inc()
            await sink.emit(RetryEvent(task_id=task.task_id, attempt=attempts, message=RETRY_MESSAGE))
        await self.conversation.rewind(task)
        log.info("run started (attempt %s)", attempts)
        await self.execution.run_agent(run, sink)
