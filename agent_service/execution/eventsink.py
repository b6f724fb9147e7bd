"""Ordered, coalesced writes of one run's events to the task's EventLog.

Why: a model emits a delta every few ms; one Redis round trip per delta would make Redis (and every
SSE client) pay per token. Deltas are buffered and appended as one TokenEvent per TOKEN_FLUSH_MS batch,
and the buffer is always flushed before any other event so the log order matches what happened.
All appends go through one lock, so a timed flush never interleaves with a tool event.

Exactly once, even across retries: every append carries an idempotency token (EventLog `token`) chosen
once per event, and a retry re-sends the same token, so an append whose reply was lost (timeout, or
redis-py re-sending EVALSHA after a ConnectionError) is never written twice. A token batch whose append
failed is kept (`_pending`, same event, same token) and sent again before anything else, so a failed
timed flush can neither drop a chunk nor duplicate it: either it lands, or the next flush raises and the
run is handed back (the retry restarts the answer). A batch is added to the run's RunRecord only once its
append succeeded, so complete.response and the transcript's answer always equal the concatenated token
contents.

The terminal event is special: it is what guarantees a client never hangs. It is written under
asyncio.shield (a cancelled run task still finishes the write) and retried while Redis blips. A complete
event is never written after a failed token flush (its response would lack a chunk).

When the log refuses an append (someone else wrote the terminal event: a gateway cancel, a worker_lost or
no_worker verdict), `on_end` is called so the runner stops the SDK run at once instead of running on.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

from agent_service.execution.record import RunRecord
from agent_service.redis_clients import REDIS_ERRORS
from contract import Appended, EventLog, TokenEvent, Turn

log = logging.getLogger(__name__)

EVENT_RETRY_S = 15.0
"""How long a non-terminal append keeps retrying before the run is failed."""
TERMINAL_RETRY_S = 60.0
"""How long the terminal append keeps retrying; after that the task stays in the processing list
and is redelivered by the reaper if this worker dies (never silently dropped)."""


class EventSink:
    def __init__(
        self,
        events: EventLog,
        record: RunRecord,
        flush_ms: int,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self.events = events
        self.record = record
        self.task_id = record.task.task_id
        self.session_id = record.task.session_id
        self.flush_s = max(flush_ms, 0) / 1000
        self.on_end = on_end
        self._buf: list[str] = []
        self._pending: tuple[TokenEvent, str] | None = None
        """A token batch whose append has not succeeded yet, with its idempotency token."""
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task | None = None
        self.ended = False
        """True once the log refused an append (someone else ended the task, e.g. a cancel race)."""

    def token(self, delta: str) -> None:
        """Buffer a delta; a timer appends the batch TOKEN_FLUSH_MS after the first buffered delta."""
        if not delta:
            return
        self._buf.append(delta)
        if self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.flush_s)
        try:
            await self.flush()
        except REDIS_ERRORS as exc:
            log.warning("token flush failed (%s); the batch is kept for the next flush", type(exc).__name__)
        except Exception:
            log.exception("token flush failed; the batch is kept for the next flush")

    async def flush(self) -> None:
        async with self._lock:
            await self._flush_locked()

    async def _flush_locked(self) -> None:
        while self._pending is not None or self._buf:
            if self._pending is None:
                content = "".join(self._buf)
                self._buf.clear()
                self._pending = (TokenEvent(task_id=self.task_id, content=content), uuid.uuid4().hex)
            event, token = self._pending
            await self._append(event, EVENT_RETRY_S, token)
            self._pending = None
            if not self.ended:
                self.record.text.append(event.content)

    async def emit(self, event) -> Appended | None:
        async with self._lock:
            await self._flush_locked()
            return await self._append(event, EVENT_RETRY_S)

    async def terminal(self, event, turn: Callable[[], Turn] | None = None) -> Appended | None:
        """Flush pending tokens, then write the terminal event; survives cancellation of the caller.
        `turn()` builds the transcript turn once the flush has put every token in the record; the same
        append records it. (A pending flush timer is left alone: it may be mid-append; after this it finds
        nothing to do.)"""
        return await asyncio.shield(self._terminal(event, turn))

    async def _terminal(self, event, turn: Callable[[], Turn] | None) -> Appended | None:
        async with self._lock:
            try:
                await self._flush_locked()
            except REDIS_ERRORS:
                if event.type == "complete":
                    raise  # a complete event must carry every token the client was sent
                log.warning("could not flush tokens before the %s event", event.type)
            return await self._append(event, TERMINAL_RETRY_S, turn=turn() if turn is not None else None)

    async def discard(self) -> None:
        """Drop buffered tokens without writing (the task is handed back)."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._buf.clear()
        self._pending = None

    async def _append(
        self, event, retry_s: float, token: str | None = None, turn: Turn | None = None
    ) -> Appended | None:
        if self.ended:
            return None
        token = token or uuid.uuid4().hex  # one token for every try of this event
        deadline = time.monotonic() + retry_s
        delay = 0.1
        while True:
            try:
                appended = await self.events.append(event, session_id=self.session_id, token=token, turn=turn)
            except REDIS_ERRORS as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("event append failed (%s), retrying", type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            if not appended.ok:
                self.ended = True
                log.info("event log refused %s: task already ended", event.type)
                if self.on_end is not None:
                    self.on_end()
            return appended
