"""The SSE stream of one task, shared by POST /chat/stream and GET /tasks/{id}/events.

The event log (a Redis stream, entry id = seq) is the truth; pub/sub is a fast doorbell that may
lose messages (restart, lagging listener). So the generator:
  1. is handed a Listener that is ALREADY subscribed (subscribe first, then read: nothing published
     in between can fall through the crack);
  2. reads the backlog after `after_seq` (Last-Event-ID) from the log;
  3. then relays live messages, dropping any seq it already sent, and re-reads the log whenever it
     may have missed something: a seq jump, its listener marked lagging, or STREAM_GAP_S of silence;
  4. ends right after the terminal event (complete | error | cancelled).
Frames are `id: <seq>` + `data: <event json>`; the id is what a client resumes from.

So a client never hangs:
  - a task still queued QUEUE_TIMEOUT_S after creation with no worker gets ErrorEvent(no_worker), and a
    running task silent for QUEUE_TIMEOUT_S while no worker at all is alive gets ErrorEvent(worker_lost)
    (written through the EventLog, and its payload LREMed from agent:tasks);
  - a task whose hash vanished (TTL) without a terminal event ends with a synthesized error frame;
  - on shutdown the stream sends `retry: 1000` + `event: reconnect` (no id, no data: it is not a
    task event and consumes no seq) and ends, so the client resumes on another replica.
Redis errors while streaming are retried with backoff; pings keep the connection alive meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import anyio
from redis.exceptions import RedisError
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from backend.config import Settings
from backend.contract import TERMINAL_TYPES, EventLog, TaskField, logfields, peek
from backend.contract.tasks import TaskStatus
from backend.lifecycle import Lifecycle
from backend.limits import StreamSlots
from backend.relay import Listener, Relay
from backend.taskstore import TaskStore

log = logging.getLogger(__name__)

SEP = "\n"
RECONNECT_MS = 1000
_SLICE_S = 1.0


def event_frame(seq: int, data: str) -> ServerSentEvent:
    return ServerSentEvent(data=data, id=str(seq), sep=SEP)


def reconnect_frame() -> ServerSentEvent:
    return ServerSentEvent(comment="reconnect", event="reconnect", retry=RECONNECT_MS, sep=SEP)


@dataclass
class StreamDeps:
    """What every stream needs; built once in create_app."""

    settings: Settings
    eventlog: EventLog
    relay: Relay
    tasks: TaskStore
    slots: StreamSlots
    lifecycle: Lifecycle


class TaskStream:
    def __init__(
        self,
        deps: StreamDeps,
        *,
        task_id: str,
        owner: str,
        listener: Listener,
        slot: str | None,
        after_seq: int = -1,
        shutdown_event: anyio.Event | None = None,
    ) -> None:
        """`listener` must already be subscribed; the stream releases it (and `slot`) when it ends."""
        self.deps = deps
        self.task_id = task_id
        self.owner = owner
        self.listener = listener
        self.slot = slot
        self.last = after_seq
        self.progress_at = time.monotonic()
        """When this stream last saw the task make progress (the abandoned-task watchdog's clock)."""
        self.shutdown_event = shutdown_event if shutdown_event is not None else anyio.Event()
        self.finished = False
        """True once the terminal event was sent."""
        self._closed = False
        self._next_refresh = time.monotonic() + deps.settings.stream_lease_s / 3

    async def frames(self) -> AsyncIterator[ServerSentEvent]:
        logfields.task_id.set(self.task_id)
        try:
            async for frame in self._run():
                yield frame
        finally:
            with anyio.CancelScope(shield=True):
                await self.close()

    async def close(self) -> None:
        """Release the listener and the stream slot (idempotent; also run as a background task in
        case the response is torn down before the generator ever started)."""
        if self._closed:
            return
        self._closed = True
        await self.deps.relay.release(self.listener)
        if self.slot is not None:
            try:
                await self.deps.slots.release(self.owner, self.slot)
            except (RedisError, OSError):
                pass  # the lease expires on its own

    def _closing(self) -> bool:
        return self.deps.lifecycle.closing or self.shutdown_event.is_set()

    async def _run(self) -> AsyncIterator[ServerSentEvent]:
        gap = self.deps.settings.stream_gap_s
        need_read = True
        quiet_until = time.monotonic() + gap
        backoff = 0.2
        while True:
            if self._closing():
                yield reconnect_frame()
                return
            try:
                if need_read or self.listener.lagging:
                    self.deps.relay.resume(self.listener)
                    need_read = False
                    async for frame in self._read_log():
                        yield frame
                    if self.finished:
                        return
                raw = await self.listener.next(min(_SLICE_S, max(0.05, quiet_until - time.monotonic())))
                now = time.monotonic()
                await self._refresh_slot(now)
                if raw is None:
                    if now >= quiet_until:
                        quiet_until = now + gap
                        async for frame in self._read_log():
                            yield frame
                        if self.finished:
                            return
                        ended = await self._check_task()
                        if ended is not None:
                            yield ended
                        if self.finished:
                            return
                    continue
                quiet_until = now + gap
                try:
                    seq, kind = peek(raw)
                except ValueError:  # not an event-log entry: trust the log instead
                    need_read = True
                    continue
                if seq <= self.last:
                    continue
                if seq != self.last + 1:
                    need_read = True
                    continue
                yield self._emit(seq, raw.decode() if isinstance(raw, bytes) else raw, kind in TERMINAL_TYPES)
                if self.finished:
                    return
                backoff = 0.2
            except (RedisError, OSError) as exc:
                log.warning("stream %s: redis error %s: %s", self.task_id, type(exc).__name__, exc)
                need_read = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    def _emit(self, seq: int, data: str, terminal: bool) -> ServerSentEvent:
        self.progress_at = time.monotonic()
        self.last = seq
        self.finished = terminal
        return event_frame(seq, data)

    async def _read_log(self) -> AsyncIterator[ServerSentEvent]:
        while True:
            batch = await self.deps.eventlog.read(self.task_id, self.last, count=500)
            for event in batch:
                if event.seq <= self.last:
                    continue
                yield self._emit(event.seq, event.data, event.terminal)
                if self.finished:
                    return
            if len(batch) < 500:
                return

    async def _refresh_slot(self, now: float) -> None:
        if self.slot is not None and now >= self._next_refresh:
            self._next_refresh = now + self.deps.settings.stream_lease_s / 3
            await self.deps.slots.refresh(self.owner, self.slot)

    async def _check_task(self) -> ServerSentEvent | None:
        """After STREAM_GAP_S of silence (and a log re-read): is the task late, or gone?
        Returns a final frame to end with, or None to keep waiting."""
        record = await self.deps.tasks.get(self.task_id)
        if record is None:
            return self._emit(self.last + 1, self._lost_event(), True)
        if TaskStatus(record.get(TaskField.STATUS, "queued")).finished:
            # The log was just re-read: a finished task has nothing after our cursor (a client
            # that resumed from a Last-Event-ID past the terminal event). End without a frame.
            self.finished = True
            return None
        if record.get(TaskField.STATUS) == TaskStatus.QUEUED.value:
            await self.deps.tasks.expire_if_unclaimed(self.task_id, record)
        else:
            await self.deps.tasks.fail_if_abandoned(self.task_id, record, time.monotonic() - self.progress_at)
        return None

    def _lost_event(self) -> str:
        log.warning("task %s expired without a terminal event", self.task_id)
        return json.dumps(
            {
                "task_id": self.task_id,
                "seq": self.last + 1,
                "type": "error",
                "code": "internal",
                "message": "The task expired before it finished.",
            },
            separators=(",", ":"),
        )


def sse_response(
    stream: TaskStream,
    *,
    headers: dict[str, str] | None = None,
    on_client_close: Callable[[dict], Awaitable[None]] | None = None,
) -> EventSourceResponse:
    """EventSourceResponse configured per the notes: pings below proxy idle timeouts, a send timeout
    so a frozen client cannot pin the stream forever, and a cooperative shutdown window in which
    the generator sends its reconnect frame instead of being cancelled mid-event."""
    s = stream.deps.settings
    return EventSourceResponse(
        stream.frames(),
        headers=headers,
        ping=s.sse_ping_s,
        sep=SEP,
        send_timeout=s.sse_send_timeout_s,
        shutdown_event=stream.shutdown_event,
        shutdown_grace_period=s.shutdown_grace_s,
        client_close_handler_callable=on_client_close,
        background=BackgroundTask(stream.close),
    )
