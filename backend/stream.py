"""The SSE stream of one task, shared by POST /chat/stream and GET /tasks/{id}/events.

The event log (a Redis stream, entry id = seq) is the truth; pub/sub is a fast doorbell that may
lose messages (restart, lagging listener). So a stream:
  1. is handed a Listener that is ALREADY subscribed (subscribe first, then read: nothing published
     in between can fall through the crack);
  2. reads the backlog after `after_seq` (Last-Event-ID) from the log (a new chat's stream skips it:
     it subscribed before its task existed, so every event reaches it live or by a re-read below);
  3. then relays live messages, dropping any seq it already sent, and re-reads the log whenever it
     may have missed something: a seq jump, its listener marked lagging, or the ticker finding the
     log ahead of it after STREAM_GAP_S of silence (backend/ticker.py);
  4. ends right after the terminal event (complete | error | cancelled).
Frames are `id: <seq>` + `data: <event json>`; the id is what a client resumes from.

So a client never hangs:
  - a task still queued QUEUE_TIMEOUT_S after creation with no worker gets ErrorEvent(no_worker), and a
    running task silent for QUEUE_TIMEOUT_S while no worker at all is alive gets ErrorEvent(worker_lost)
    (written through the EventLog, and its payload LREMed from agent:tasks);
  - a task whose hash vanished (TTL) without a terminal event ends with a synthesized error frame;
  - on shutdown the stream sends `retry: 1000` + `event: reconnect` (no id, no data: it is not a
    task event and consumes no seq) and ends, so the client resumes on another replica;
  - pings every SSE_PING_S keep proxies from closing a silent stream, and a client that stops
    reading is dropped after SSE_SEND_TIMEOUT_S (the ticker cancels its pending send).
Redis errors while streaming are retried with backoff; pings keep the connection alive meanwhile.

The transport (the head, the detached body, timed writes, pings, a client that stops reading) is
backend/sse.py's SseResponse; a route opens a stream through backend/streamopening.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.exceptions import RedisError
from starlette.types import Receive, Send

from backend import sse
from backend.config import Settings
from backend.lifecycle import Lifecycle
from backend.limits import Slot, StreamSlots
from backend.metrics import GatewayMetrics
from backend.relay import Listener, Relay
from backend.taskstore import TaskStore
from backend.ticker import Ticker
from contract import TERMINAL_TYPES, ErrorEvent, Event, EventLog, logfields, peek
from contract.tasks import TaskStatus

log = logging.getLogger(__name__)

ClientClose = Callable[[], Awaitable[None]]


@dataclass
class StreamDeps:
    """What every stream needs; built once in create_app."""

    settings: Settings
    eventlog: EventLog
    relay: Relay
    tasks: TaskStore
    slots: StreamSlots
    lifecycle: Lifecycle
    ticker: Ticker
    metrics: GatewayMetrics


class TaskStream(sse.SseResponse):
    """One task's events as an SSE response: the cursor, the log re-reads and the watchdog checks."""

    __slots__ = (
        "deps",
        "task_id",
        "listener",
        "slot",
        "last",
        "backlog",
        "progress_at",
        "finished",
        "recheck",
        "quiet_until",
        "_on_client_close",
        "_closed",
        "_first",
    )

    def __init__(
        self,
        deps: StreamDeps,
        *,
        task_id: str,
        listener: Listener,
        slot: Slot | None,
        after_seq: int = -1,
        backlog: bool = True,
        headers: dict[str, str] | None = None,
        on_client_close: ClientClose | None = None,
        first: Event | None = None,
    ) -> None:
        """`listener` must already be subscribed; the stream releases it (and `slot`) when it ends.
        `first`: an event the caller knows the log holds (the session event it just wrote), sent
        before anything else, so the first frame does not wait for its echo on pub/sub."""
        settings = deps.settings
        super().__init__(headers, ping_s=settings.sse_ping_s, send_timeout_s=settings.sse_send_timeout_s)
        self.deps = deps
        self.task_id = task_id
        self.listener = listener
        self.slot = slot
        self.last = after_seq
        self.backlog = backlog
        self.progress_at = time.monotonic()
        """When this stream last saw the task make progress (the abandoned-task watchdog's clock)."""
        self.finished = False
        """True once the terminal event was sent."""
        self.recheck = False
        """Set by the ticker: re-read the log and run the watchdog checks."""
        self.quiet_until = self.progress_at + settings.stream_gap_s
        self._on_client_close = on_client_close
        self._closed = False
        self._first = first

    async def stream(self, receive: Receive, send: Send) -> None:
        """The body (frames until the terminal event, shutdown, a gone client or a stalled send),
        timed by the ticker; then, for a client that left early, `on_client_close`."""
        logfields.task_id.set(self.task_id)
        self.deps.ticker.streams.add(self)
        self.deps.metrics.open_streams.inc()
        try:
            await super().stream(receive, send)
        finally:
            self.deps.metrics.open_streams.dec()
        if self.gone and not self.finished and self._on_client_close is not None:
            await self._on_client_close()

    def disconnected(self) -> None:
        self.listener.wake()

    async def write(self, data: bytes, last: bool = False) -> None:
        await super().write(data, last)
        if data is not sse.PING and data is not sse.RECONNECT:
            self.deps.metrics.events_relayed.inc(data.count(sse.FRAME_END))

    async def close(self) -> None:
        """Leave the ticker, release the listener and the stream slot (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.deps.ticker.streams.discard(self)
        await self.deps.relay.release(self.listener)
        if self.slot is not None:
            self.deps.ticker.release_slot(self.slot)

    async def run(self) -> None:
        listener = self.listener
        gap = self.deps.settings.stream_gap_s
        need_read = self.backlog
        backoff = 0.2
        self.start_pings()
        if self._first is not None and self._first.seq > self.last:
            first, self._first = self._first, None
            await self.write(self._emit(first.seq, first.model_dump_json(), first.type in TERMINAL_TYPES))
        while not self.gone:
            if self.deps.lifecycle.closing:
                await self.write(sse.RECONNECT, last=True)
                return
            try:
                if need_read or listener.lagging:
                    need_read = False
                    self.deps.relay.resume(listener)
                    await self._read_log()
                if self.recheck and not self.finished:
                    self.recheck = False
                    await self._read_log()
                    if not self.finished:
                        ended = await self._check_task()
                        if ended is not None:
                            await self.write(ended, last=self.finished)
                if self.finished:
                    return
                frames = []
                since = listener.since
                for raw in listener.take_all():
                    try:
                        seq, kind = peek(raw)
                    except ValueError:  # not an event-log entry: trust the log instead
                        need_read = True
                        break
                    if seq <= self.last:
                        continue
                    if seq != self.last + 1:
                        need_read = True
                        break
                    frames.append(self._emit(seq, raw, kind in TERMINAL_TYPES))
                    if self.finished:
                        break
                if frames:
                    self.quiet_until = time.monotonic() + gap
                    await self.write(frames[0] if len(frames) == 1 else b"".join(frames), last=self.finished)
                    self.deps.metrics.relay_lag.observe(time.monotonic() - since)
                    if self.finished:
                        return
                    backoff = 0.2
                    continue
                if need_read:
                    continue
                if time.monotonic() >= self.next_ping:
                    await self.write(sse.PING)
                    continue
                await listener.wait()
            except (RedisError, OSError) as exc:
                log.warning("stream %s: redis error %s: %s", self.task_id, type(exc).__name__, exc)
                need_read = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    def _emit(self, seq: int, data: bytes | str, terminal: bool) -> bytes:
        self.progress_at = time.monotonic()
        self.last = seq
        self.finished = terminal
        return sse.event_frame(seq, data)

    async def _read_log(self) -> None:
        """Send everything the log holds after the cursor (sets `finished` at the terminal event)."""
        while True:
            batch = await self.deps.eventlog.read(self.task_id, self.last, count=500)
            frames = []
            for event in batch:
                if event.seq <= self.last:
                    continue
                frames.append(self._emit(event.seq, event.data, event.terminal))
                if self.finished:
                    break
            if frames:
                self.quiet_until = time.monotonic() + self.deps.settings.stream_gap_s
                await self.write(b"".join(frames), last=self.finished)
            if self.finished or len(batch) < 500:
                return

    async def _check_task(self) -> bytes | None:
        """After silence (and a log re-read): is the task late, or gone?
        Returns a final frame to end with, or None to keep waiting."""
        record = await self.deps.tasks.get(self.task_id)
        if record is None:
            return self._emit(self.last + 1, self._lost_event(), True)
        if record.finished:
            # The terminal event and the finished status are written in one step, but the log was
            # read before the status: read it once more, so a terminal event that landed in between
            # is sent. Whatever is left then has nothing after our cursor (a client that resumed
            # from a Last-Event-ID past the terminal event): end without a frame.
            await self._read_log()
            self.finished = True
            return None
        if record.status == TaskStatus.QUEUED.value:
            await self.deps.tasks.expire_if_unclaimed(self.task_id, record)
        else:
            await self.deps.tasks.fail_if_abandoned(self.task_id, record, time.monotonic() - self.progress_at)
        return None

    def _lost_event(self) -> str:
        log.warning("task %s expired without a terminal event", self.task_id)
        message = "The task expired before it finished."
        return ErrorEvent(
            task_id=self.task_id, seq=self.last + 1, code="internal", message=message
        ).model_dump_json()
