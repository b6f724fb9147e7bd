"""One task from pickup to its single terminal event.

Why it looks like this:
- At-least-once delivery: the per-task lock (tasklock.py) keeps a redelivered copy from running while
  the first is alive; a finished or unknown task is dropped; `attempts` (HINCRBY) bounds crash loops.
  A copy locked by another live worker is put back on the queue after DUPLICATE_RETRY_S, never dropped
  (the lock may be stale); a copy of a task this worker already runs is removed (one LREM).
- The lock is released in its own finally, apart from the requeue/done command, so a Redis error there
  cannot leave a stale lock behind.
- Every accepted task ends in exactly one terminal event (complete | error | cancelled), written through
  EventSink.terminal (shielded + retried). The only exceptions are hand-backs (SIGTERM drain) and a lost
  lock: those tasks go back to the queue and the next attempt starts with a RetryEvent.
- Stopping a run always goes through RunResultStreaming.cancel(): breaking out of stream_events() does
  not stop the SDK's run loop. `ActiveRun.stop(reason)` records why, and the reason picks the terminal
  event once the stream ends (cancel → cancelled, timeout → error timeout, handback/lost → none,
  ended → none: the event log refused an append because someone else ended the task). Any other way out
  of the stream (our own exception) also cancels the SDK run.
- A completed run wins over a late stop request (the answer exists; throwing it away helps nobody).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from agents import Runner
from pydantic import ValidationError
from redis.asyncio import Redis

from agent_service.config import Settings
from agent_service.eventsink import REDIS_ERRORS, EventSink
from agent_service.history import Conversation, open_session
from agent_service.runstate import RETRY_MESSAGE, ActiveRun, AgentSetup, error_code
from agent_service.tasklock import TaskLocks
from agent_service.taskqueue import TaskQueue
from agent_service.throughput import Throughput
from agent_service.translation import Translator
from backend.contract import (
    ERROR_CODES,
    STATUS_FOR_TERMINAL,
    CancelledEvent,
    ChatTask,
    ErrorEvent,
    EventLog,
    RetryEvent,
    TaskField,
    TaskStatus,
    keys,
    logfields,
)

log = logging.getLogger(__name__)

_FINISHED = {s.value.encode() for s in TaskStatus if s.finished}
DUPLICATE_RETRY_S = 0.75
"""How long a copy of a task locked by another live worker waits before going back on the queue."""


class TaskRunner:
    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        queue: TaskQueue,
        setup: Callable[[], AgentSetup],
        on_tool_error: Callable[[], None] | None = None,
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.queue = queue
        self.worker_id = queue.worker_id
        self.setup = setup
        self.on_tool_error = on_tool_error
        self.prepare = prepare
        """Awaited before each agent run (the worker waits for its MCP server to be connected)."""
        self.events = EventLog(
            redis, live_ttl_s=settings.task_live_ttl_s, retention_s=settings.event_retention_s
        )
        self.locks = TaskLocks(redis, self.worker_id, settings.worker_heartbeat_ttl_s * 1000)
        self.conversation = Conversation(redis, settings)
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

    async def run(self, payload: bytes) -> None:
        """Run one dequeued payload to its end. Never raises except CancelledError."""
        try:
            await self._run(payload)
        finally:
            self.throughput.ended()

    async def _run(self, payload: bytes) -> None:
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
                self._timed(time.monotonic() - run.started)
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

    async def _drop_copy(self, payload: bytes) -> None:
        """This worker already runs the task (the reaper re-queued our entry and we took it back):
        remove just this copy (LREM count=1), so the running run's entry stays until it ends."""
        log.warning("this worker already runs the task; dropping the redelivered copy")
        await self.queue.done(payload)

    async def _bounce(self, payload: bytes) -> None:
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
        fields = await r.hgetall(keys.task(task.task_id))
        if not fields or fields.get(TaskField.STATUS.encode()) in _FINISHED:
            log.info("skipping a finished or unknown task")
            run.done = True
            return
        attempts = await r.hincrby(keys.task(task.task_id), TaskField.ATTEMPTS, 1)
        flush_ms, on_end = self.settings.token_flush_ms, lambda: run.stop("ended")
        sink = EventSink(self.events, task.task_id, task.session_id, flush_ms, on_end=on_end)
        if attempts > self.settings.max_attempts:
            log.warning("giving up after %s attempts", attempts - 1)
            msg = f"The task failed on every attempt ({self.settings.max_attempts})."
            await self._end(run, sink, ErrorEvent(task_id=task.task_id, code="max_attempts", message=msg))
            return
        await r.hset(
            keys.task(task.task_id),
            mapping={
                TaskField.STATUS: TaskStatus.RUNNING.value,
                TaskField.WORKER: self.worker_id,
                TaskField.STARTED_AT: repr(time.time()),
            },
        )
        if fields.get(TaskField.CANCEL.encode()) == b"1" or run.stop_reason == "cancel":
            await self._end(run, sink, CancelledEvent(task_id=task.task_id))
            return
        if attempts > 1:
            await sink.emit(RetryEvent(task_id=task.task_id, attempt=attempts, message=RETRY_MESSAGE))
        await self.conversation.rewind(task)
        log.info("run started (attempt %s)", attempts)
        await self._agent_run(run, sink)

    async def _agent_run(self, run: ActiveRun, sink: EventSink) -> None:
        task = run.task
        setup = self.setup()
        translator = Translator(sink, task.task_id)
        timer = asyncio.get_running_loop().call_later(self.settings.task_timeout_s, run.stop, "timeout")
        code: str | None = None
        result = None
        try:
            if self.prepare is not None:
                await self.prepare()
            result = Runner.run_streamed(
                setup.agent.clone(),  # one Agent per run: the SDK's per-agent bookkeeping is O(runs)
                task.message,
                session=open_session(self.settings, self.redis, task.session_id),
                max_turns=self.settings.max_turns,
                run_config=setup.run_config,
            )
            run.result = result
            if run.stop_reason:
                result.cancel()
            async for ev in result.stream_events():
                await translator.handle(ev)
        except asyncio.CancelledError:
            # The worker is being torn down: stop the SDK run and hand the task back.
            if result is not None:
                result.cancel()
            run.stop_reason, run.requeue = "handback", True
            await sink.discard()
            raise
        except REDIS_ERRORS as exc:
            # Redis failed under the run (history or event writes, e.g. a restart): the log cannot be
            # trusted to hold the whole answer, so hand the task back; the next attempt restarts it.
            if result is not None:
                result.cancel()
            log.warning("Redis failed under the run (%s); handing the task back", type(exc).__name__)
            run.stop_reason, run.requeue = "handback", True
        except Exception as exc:
            code = error_code(exc)
            log.warning("run failed: %s (%s)", type(exc).__name__, code, exc_info=True)
            if code == "tool_error" and self.on_tool_error is not None:
                self.on_tool_error()
        finally:
            timer.cancel()
            if result is not None and not result.is_complete:
                result.cancel()  # we stopped reading (our own error): the SDK run must stop too
        await self._conclude(run, sink, translator, result, code)

    async def _conclude(self, run, sink: EventSink, translator: Translator, result, code) -> None:
        tid = run.task.task_id
        if run.stop_reason == "ended":
            run.done = True  # someone else wrote the terminal event; nothing is left to write
            log.info("the task was ended elsewhere; run stopped")
            return
        final = getattr(result, "final_output", None) if code is None else None
        if final is not None:
            try:
                await sink.flush()
            except REDIS_ERRORS:
                log.warning("could not write the answer's last tokens; handing the task back")
                run.stop_reason, run.requeue = "handback", True
                await sink.discard()
                return
            response = "".join(sink.token_text)
            if not response:
                response = str(final)
                sink.token(response)
            event = translator.complete(response, run.task.session_id, result.context_wrapper.usage)
            await self._end(run, sink, event, translator)
            return
        if run.stop_reason in ("handback", "lost"):
            await sink.discard()
            run.requeue = run.stop_reason == "handback"
            log.info("run stopped for %s; no terminal event", run.stop_reason)
            return
        if run.stop_reason == "cancel":
            event = CancelledEvent(task_id=tid)
        elif run.stop_reason == "timeout":
            msg = f"The run took longer than {self.settings.task_timeout_s} s."
            event = ErrorEvent(task_id=tid, code="timeout", message=msg)
        else:
            code = code or "internal"
            event = ErrorEvent(task_id=tid, code=code, message=ERROR_CODES[code])
        await self._end(run, sink, event, translator)

    async def _end(self, run, sink: EventSink, event, translator: Translator | None = None) -> None:
        """Terminal event, with the transcript turn in the same append; the processing entry is
        removed only once the event is in."""
        status = STATUS_FOR_TERMINAL[event.type].value
        steps = translator.steps if translator else []
        try:
            turn = await self.conversation.turn(run.task, status, steps)
            await sink.terminal(event, turn)
        except REDIS_ERRORS:
            log.error("could not write the terminal event; leaving the task for redelivery")
            return
        run.done = True
        log.info("run ended: %s", event.type, extra={"fields": {"code": getattr(event, "code", None)}})
