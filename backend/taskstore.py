"""Task records on the gateway side: enqueue (one transaction), status, cancel, the no-worker watchdog.

Enqueue is ONE MULTI/EXEC: the task hash, the session hash, the `session` event (seq 0, through
EventLog.append_in so seq/TTL rules hold) and, with "multitask": "enqueue" behind an active run, the
RPUSH onto the session's queue, the owner index's ZADD and the LPUSH onto agent:tasks land together
or not at all — a worker can never pop a task whose hash or first event is missing.
On a Redis Cluster (REDIS_CLUSTER) the owner index and agent:tasks are in other slots than the
session's (contract/keys.py), so those two follow right after EXEC, in one more round trip. The
order keeps the guarantee above; what a cluster loses is the enqueue of a gateway killed (or whose
EXEC reply is lost) between the two: that task reaches no worker and expires with its TTL.
It runs under WATCH of the task and session keys, for two reasons:
- optimistic concurrency: two POSTs on one session cannot both become its active run; a session
  that changes between the check and EXEC (another POST, or a run ending) is re-checked;
- no silent re-send: redis-py never retries a WATCHed transaction. After a connection error it
  raises; we retry only after checking that the task hash does not exist yet (the client-generated
  task id is the idempotency key), so a task is never enqueued twice.
A new session's first task (both ids made up by the gateway just now) WATCHes only its task key and
reads nothing before MULTI: nobody else can know the session yet.
The caller subscribes the task's live channel BEFORE calling enqueue (see routes/chat.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import WatchError

from backend.config import Settings
from backend.errors import ApiError, not_found
from backend.sessionrecord import SessionRecord
from contract import (
    ERROR_CODES,
    CancelledEvent,
    ChatTask,
    ControlCommand,
    ErrorEvent,
    EventLog,
    SessionEvent,
    SessionField,
    TaskField,
    TaskRecord,
    TaskStatus,
    keys,
)
from contract.approvals import CANCELLED_OUTPUT, Decision, Outcome, Pauses

log = logging.getLogger(__name__)

TITLE_CHARS = 80
ACTIVE = (TaskStatus.QUEUED.value, TaskStatus.RUNNING.value, TaskStatus.AWAITING_APPROVAL.value)
"""A task in one of these holds its session (a paused one too: its turn is not over)."""


@dataclass(frozen=True)
class Enqueued:
    task: ChatTask
    queued_behind: str | None
    """The active task this one waits behind ("multitask": "enqueue"), else None."""

    @property
    def first_event(self) -> SessionEvent:
        """The task's first logged event as the log holds it (seq 0), written by the enqueue: a
        stream can send it at once instead of waiting for its echo on pub/sub."""
        return SessionEvent(task_id=self.task.task_id, session_id=self.task.session_id, seq=0)


def title_for(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


class TaskStore:
    def __init__(self, redis: Redis, eventlog: EventLog, settings: Settings) -> None:
        self.redis = redis
        self.log = eventlog
        self.settings = settings
        self.pauses = Pauses(redis)

    # enqueue -------------------------------------------------------------------------------------

    async def enqueue(self, task: ChatTask, *, new_session: bool, agent: str | None = None) -> Enqueued:
        """Queue the turn. `agent`: the one the chat named (None: the session's; a new session's is
        `task.agent`); naming another than a continued session's is a 422."""
        for _ in range(5):
            try:
                return await self._enqueue_once(task, new_session=new_session, agent=agent)
            except WatchError:
                if await self.redis.exists(keys.task(task.task_id)):
                    return Enqueued(task, await self._behind(task))
        raise ApiError(409, "the session is changing too fast, try again")

    async def _behind(self, task: ChatTask) -> str | None:
        active = await self.redis.hget(keys.session(task.session_id), SessionField.ACTIVE_TASK)
        return active if active and active != task.task_id else None

    async def _enqueue_once(self, task: ChatTask, *, new_session: bool, agent: str | None) -> Enqueued:
        tkey, skey = keys.task(task.task_id), keys.session(task.session_id)
        s = self.settings
        async with self.redis.pipeline(transaction=True) as pipe:
            behind = None
            if new_session:
                # the gateway just made both ids up (uuid4): no other request can know the session,
                # and the task hash cannot exist yet (enqueue retries only after a WatchError, an
                # aborted EXEC, and checks first). So no reads before MULTI: two round trips, not four
                await pipe.watch(tkey)
            else:
                await pipe.watch(tkey, skey)
                # not pipe.exists(): on a cluster pipeline redis-py splits EXISTS by slot and, while
                # WATCHing, never sends it (it answers with the pipeline itself, which is truthy)
                if await pipe.execute_command("EXISTS", tkey):
                    await pipe.reset()
                    return Enqueued(task, await self._behind(task))
                session = SessionRecord.parse(await pipe.hgetall(skey))
                if session is None or session.owner != task.owner:
                    raise not_found("Session")
                if agent is not None and agent != session.agent:
                    raise ApiError(
                        422, f"this conversation is with the agent '{session.agent}', not '{agent}'"
                    )
                task = task.model_copy(update={"agent": session.agent})
                behind = await self._active_run(pipe, session.active_task)
                if behind and task.multitask == "reject":
                    raise ApiError(409, "session has an active run", extra={"task_id": behind})
            now = time.time()
            payload = task.model_dump_json()
            pipe.multi()
            pipe.hset(
                tkey,
                mapping={
                    TaskField.STATUS: TaskStatus.QUEUED.value,
                    TaskField.OWNER: task.owner,
                    TaskField.SESSION_ID: task.session_id,
                    TaskField.REQUEST_ID: task.request_id,
                    TaskField.PAYLOAD: payload,
                    TaskField.CREATED_AT: repr(task.created_at),
                    TaskField.ATTEMPTS: 0,
                    # a task waiting behind the session's active run is queued when promoted
                    **({} if behind else {TaskField.QUEUED_AT: repr(task.created_at)}),
                },
            )
            pipe.expire(tkey, s.task_live_ttl_s)
            fields: dict[str, object] = {SessionField.UPDATED_AT: repr(now)}
            if new_session:
                fields |= {
                    SessionField.OWNER: task.owner,
                    SessionField.TITLE: title_for(task.message),
                    SessionField.CREATED_AT: repr(now),
                    SessionField.MESSAGE_COUNT: 0,
                    SessionField.AGENT: task.agent,
                }
            if not behind:
                fields[SessionField.ACTIVE_TASK] = task.task_id
            pipe.hset(skey, mapping=fields)
            pipe.expire(skey, s.session_ttl_s)
            # the side keys of a session (feedback, its share ids, its uploaded tables) expire with it
            pipe.expire(keys.session_feedback(task.session_id), s.session_ttl_s)
            pipe.expire(keys.session_shares(task.session_id), s.session_ttl_s)
            pipe.expire(keys.session_uploads(task.session_id), s.session_ttl_s)
            pipe.expire(keys.session_upload_data(task.session_id), s.session_ttl_s)
            await self.log.append_in(pipe, SessionEvent(task_id=task.task_id, session_id=task.session_id))
            if behind:
                pipe.rpush(keys.session_queue(task.session_id), payload)
                pipe.expire(keys.session_queue(task.session_id), s.task_live_ttl_s)
            if not s.redis_cluster:
                self._list_and_queue(pipe, task, payload, now, queued=not behind)
            await pipe.execute()
        if s.redis_cluster:
            async with self.redis.pipeline(transaction=False) as after:
                self._list_and_queue(after, task, payload, now, queued=not behind)
                await after.execute()
        return Enqueued(task, behind)

    def _list_and_queue(self, pipe, task: ChatTask, payload: str, now: float, *, queued: bool) -> None:
        """The owner index (the session tops the owner's list) and the LPUSH onto agent:tasks."""
        owner_index = keys.owner_sessions(task.owner)
        pipe.zadd(owner_index, {task.session_id: now})
        pipe.expire(owner_index, self.settings.session_ttl_s)
        if queued:
            pipe.lpush(keys.TASK_QUEUE, payload)

    async def _active_run(self, pipe, active: str) -> str | None:
        """The session's active task if it is still queued/running (a stale pointer is ignored)."""
        if not active:
            return None
        status = await pipe.hget(keys.task(active), TaskField.STATUS)
        return active if status in ACTIVE else None

    # read ----------------------------------------------------------------------------------------

    async def get(self, task_id: str) -> TaskRecord | None:
        return TaskRecord.parse(await self.redis.hgetall(keys.task(task_id)))

    async def owned(self, task_id: str, owner: str) -> TaskRecord:
        record = await self.get(task_id)
        if record is None or record.owner != owner:
            raise not_found("Task")
        return record

    # approvals -----------------------------------------------------------------------------------

    async def decide(self, record: TaskRecord, approval_id: str, decision: Decision) -> Outcome:
        """One decision on the task's current pause (contract/approvals.py); the last re-queues it."""
        if not record.pause or not record.payload:
            return "unknown"
        task = ChatTask.model_validate_json(record.payload)
        return await self.pauses.decide(
            task, record.pause, approval_id, decision, self.settings.task_live_ttl_s
        )

    # cancel --------------------------------------------------------------------------------------

    async def cancel(self, task_id: str, record: TaskRecord) -> str:
        """Cancel a task (idempotent). Returns the status after the request."""
        status = record.status
        if status not in ACTIVE:
            return status
        await self.redis.hset(keys.task(task_id), TaskField.CANCEL, "1")
        if status == TaskStatus.AWAITING_APPROVAL.value:
            if await self._close_pause(task_id, record):
                return TaskStatus.CANCELLED.value
            record = await self.get(task_id) or record  # decided meanwhile: cancel the queued resume
        # any active status: a task a draining worker handed back stays `running` while it waits in
        # the queue; the LREM decides the race with a worker taking it
        if await self._unqueue(record):
            appended = await self.log.append(
                CancelledEvent(task_id=task_id), session_id=record.session_id or None
            )
            if appended.ok:
                return TaskStatus.CANCELLED.value
        # a worker holds it (or took it while we looked): ask the workers; the holder cancels
        command = ControlCommand(action="cancel", task_id=task_id)
        await self.redis.publish(keys.CONTROL_CHANNEL, command.model_dump_json())
        current = await self.redis.hget(keys.task(task_id), TaskField.STATUS)
        return current or status

    async def _close_pause(self, task_id: str, record: TaskRecord) -> bool:
        """A paused task nobody holds: close its pause (once, unless the last decision came first) and
        write `cancelled` ourselves."""
        sid, ttl = record.session_id, self.settings.session_ttl_s
        closing = await self.pauses.close(
            task_id, sid, record.pause, expiring=False, reason=CANCELLED_OUTPUT, history_ttl_s=ttl
        )
        if closing != "claimed":
            return False
        await self.log.append(CancelledEvent(task_id=task_id), session_id=sid or None)
        await self.pauses.finish(task_id, record.pause)
        return True

    async def _unqueue(self, record: TaskRecord) -> bool:
        """LREM the task's exact payload from the main queue or its session queue. True if removed:
        then no worker has it, and whoever removed it owns writing its terminal event."""
        payload, session_id = record.payload, record.session_id
        if not payload:
            return False
        if await self.redis.lrem(keys.TASK_QUEUE, 0, payload):
            return True
        return bool(session_id and await self.redis.lrem(keys.session_queue(session_id), 0, payload))

    # watchdog ------------------------------------------------------------------------------------

    async def expire_if_unclaimed(self, task_id: str, record: TaskRecord) -> bool:
        """No worker took a queued task within QUEUE_TIMEOUT_S of reaching the main queue (queued_at:
        enqueue, or promotion from the session queue) → terminal error no_worker.

        Only tasks on the main queue qualify (one waiting behind a session's active run is not
        late); LREM decides the race with a worker's BLMOVE and with the workers' own reaper. The rule
        is the contract's (TaskRecord.queue_expired), the one the reaper applies."""
        timeout = self.settings.queue_timeout_s
        if record.status != TaskStatus.QUEUED.value or not record.queue_expired(time.time(), timeout):
            return False
        failed = await self.log.fail_unclaimed(task_id, record.payload, record.session_id or None, timeout)
        if failed:
            log.warning("task %s: no worker within %ss", task_id, self.settings.queue_timeout_s)
        return failed

    async def fail_if_abandoned(self, task_id: str, record: TaskRecord, silent_for: float) -> bool:
        """A `running` task whose stream has been silent for QUEUE_TIMEOUT_S while no worker at all is
        alive → terminal error worker_lost. With any live worker the workers' reaper redelivers it
        instead (it also covers a task handed back by a drained worker, which stays `running` while it
        waits in the queue). LREM from the queue and the dead worker's processing list keeps a worker
        that comes back later from running it again; the event log refuses a second terminal event."""
        if record.status != TaskStatus.RUNNING.value or silent_for < self.settings.queue_timeout_s:
            return False
        workers = list(await self.redis.smembers(keys.WORKERS))
        if workers and any(await self.redis.mget([keys.heartbeat(w) for w in workers])):
            return False
        payload = record.payload
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrem(keys.TASK_QUEUE, 0, payload)
            if record.worker:
                pipe.lrem(keys.processing(record.worker), 0, payload)
            await pipe.execute()
        log.warning("task %s: its worker is gone and no worker is alive", task_id)
        event = ErrorEvent(task_id=task_id, code="worker_lost", message=ERROR_CODES["worker_lost"])
        return (await self.log.append(event, session_id=record.session_id or None)).ok
