"""Following a task's events in order, for the consumers that are not an SSE TaskStream (the
OpenAI-compatible stream, the WebSocket).

As a stream follows them: the listener (subscribed before the enqueue, or before the backlog read of a
resume) delivers them live, each message's seq is checked against the cursor, and the log is read after
the cursor on a seq gap, after an overflowed inbox, and after STREAM_GAP_S of silence (a pub/sub message
lost). A task no worker takes ends with the reaper's `no_worker` error like any other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from backend.relay import Listener
from backend.stream import StreamDeps
from contract import TERMINAL_TYPES, Event, parse_event, peek


async def follow(deps: StreamDeps, listener: Listener, after_seq: int = -1) -> AsyncIterator[Event | None]:
    """The task's events after `after_seq`, in seq order, up to its terminal event; None after each
    STREAM_GAP_S of silence. A cursor past -1 (a resume) starts with a log read: the backlog."""
    task_id, last, read = listener.task_id, after_seq, after_seq >= 0
    while True:
        if read:
            read = False
            deps.relay.resume(listener)
            items: list[bytes] = [e.data.encode() for e in await deps.eventlog.read(task_id, last)]
        else:
            raw = await listener.next(deps.settings.stream_gap_s)
            read = raw is None or listener.lagging
            if raw is None:
                yield None
            if read:
                continue
            items = [raw, *listener.take_all()]
        for data in items:
            try:
                seq, kind = peek(data)
            except ValueError:
                read = True
                break
            if seq <= last:
                continue
            if seq != last + 1:
                read = True
                break
            last = seq
            yield parse_event(data)
            if kind in TERMINAL_TYPES:
                return
