"""Ordered, coalesced writes of one run's events to the task's EventLog.

Why: a model emits a delta every few ms; one Redis round trip per delta would make Redis (and every
SSE client) pay per token. Deltas are buffered and appended as one TokenEvent per TOKEN_FLUSH_MS batch,
and the buffer is always flushed before any other event so the log order matches what happened.
All appends go through one lock, so a timed flush never interleaves with a tool event.

The terminal event is special: it is what guarantees a client never hangs. It is written under
asyncio.shield (a cancelled run task still finishes the write) and retried while Redis blips. Non-terminal
appends are retried too; a *timeout* is ambiguous (the script may have run), so a retry can in rare cases
duplicate a batch — we accept that over losing it, see the report.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.contract import Appended, EventLog, TokenEvent

log = logging.getLogger(__name__)

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
EVENT_RETRY_S = 15.0
"""How long a non-terminal append keeps retrying before the run is failed."""
TERMINAL_RETRY_S = 60.0
"""How long the terminal append keeps retrying; after that the task stays in the processing list
and is redelivered by the reaper if this worker dies (never silently dropped)."""


class EventSink:
    def __init__(self, events: EventLog, task_id: str, session_id: str, flush_ms: int) -> None:
        self.events = events
        self.task_id = task_id
        self.session_id = session_id
        self.flush_s = max(flush_ms, 0) / 1000
        self._buf: list[str] = []
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task | None = None
        self.ended = False
        """True once the log refused an append (someone else ended the task, e.g. a cancel race)."""
        self.token_text: list[str] = []
        """Every token content appended, in order (what the client has seen)."""

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
        except REDIS_ERRORS:
            log.warning("token flush failed; the tokens are lost, the run's terminal event still follows")

    async def flush(self) -> None:
        async with self._lock:
            await self._flush_locked()

    async def _flush_locked(self) -> None:
        if not self._buf:
            return
        content = "".join(self._buf)
        self._buf.clear()
        await self._append(TokenEvent(task_id=self.task_id, content=content), EVENT_RETRY_S)
        self.token_text.append(content)

    async def emit(self, event) -> Appended | None:
        async with self._lock:
            await self._flush_locked()
            return await self._append(event, EVENT_RETRY_S)

    async def terminal(self, event) -> Appended | None:
        """Flush pending tokens, then write the terminal event; survives cancellation of the caller.
        (A pending flush timer is left alone: it may be mid-append; after this it finds nothing to do.)"""
        return await asyncio.shield(self._terminal(event))

    async def _terminal(self, event) -> Appended | None:
        async with self._lock:
            try:
                await self._flush_locked()
            except REDIS_ERRORS:
                log.warning("could not flush tokens before the terminal event")
            return await self._append(event, TERMINAL_RETRY_S)

    async def discard(self) -> None:
        """Drop buffered tokens without writing (the task is handed back)."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._buf.clear()

    async def _append(self, event, retry_s: float) -> Appended | None:
        if self.ended:
            return None
        deadline = time.monotonic() + retry_s
        delay = 0.1
        while True:
            try:
                appended = await self.events.append(event, session_id=self.session_id)
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
            return appended
