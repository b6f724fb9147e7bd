"""Server-sent events over ASGI: the frames (WHATWG HTML § server-sent events) and the raw response
that writes them.

Only what the gateway writes: task events (`id:` = seq, one `data:` line: the stored event JSON,
which never holds a raw newline), a keep-alive comment, and the `reconnect` frame a closing gateway
sends (no id, so it consumes no seq; `retry:` sets the browser's reconnect delay). Frames end with a
blank line and lines end with LF. The response headers are the ones proxies need to pass a stream
through unbuffered: `Cache-Control: no-store` and `X-Accel-Buffering: no` (no `Connection:
keep-alive`: HTTP/2 forbids it and Safari drops such a stream).

Why a raw ASGI response and not sse-starlette: one coroutine per stream writing frames straight to
`send` (plus one small task waiting for `http.disconnect`), where sse-starlette runs an anyio task
group of four tasks and a memory channel per stream; that machinery was most of the gateway's CPU
per relayed event and of its memory per open stream (BENCHMARKS.md). uvicorn's `send` after a
disconnect returns silently, so the disconnect is learnt from `receive()` only. And the body is not
run inside the route: once the head is sent, the response is handed to the app's outermost layer
(backend/app.py), so the dozen framework and middleware frames of the request (routing,
dependencies, exit stacks, the request object) are freed while a stream sits idle for minutes; the
middleware only ever edits the response head.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)

MEDIA_TYPE = "text/event-stream"
RECONNECT_MS = 1000
PING = b": ping\n\n"
RECONNECT = b": reconnect\nevent: reconnect\nretry: %d\n\n" % RECONNECT_MS
END = {"type": "http.response.body", "body": b"", "more_body": False}
_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]
DETACH = "gateway.detached_streams"
"""Scope key: a list the app's outermost layer provides to take streams over after their head."""


FRAME_END = b"\n\n"
"""Ends every frame, and occurs nowhere else in one: event data is JSON, which escapes newlines."""


def event_frame(seq: int, data: bytes | str) -> bytes:
    return b"id: %d\ndata: %s" % (seq, data.encode() if isinstance(data, str) else data) + FRAME_END


def start_message(headers: dict[str, str] | None = None) -> dict:
    raw = list(_HEADERS)
    if headers:
        raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return {"type": "http.response.start", "status": 200, "headers": raw}


class SseResponse(Response):
    """An SSE response (an ASGI app FastAPI returns as is); a subclass writes the body in `run`.

    It only keeps the clocks a timer outside reads: a ping is due at `next_ping`, and a send still
    pending at `send_deadline` (0 while none is) has waited too long: the timer calls `stall`."""

    media_type = MEDIA_TYPE
    __slots__ = (
        "gone",
        "next_ping",
        "send_deadline",
        "background",
        "_headers",
        "_ping_s",
        "_send_timeout_s",
        "_send",
        "_task",
        "_stalled",
        "_ended",
    )

    def __init__(self, headers: dict[str, str] | None, *, ping_s: float, send_timeout_s: float) -> None:
        self.gone = False
        """The client disconnected."""
        self.next_ping = math.inf
        self.send_deadline = 0.0
        self.background = None
        self._headers = headers
        self._ping_s = ping_s
        self._send_timeout_s = send_timeout_s
        self._send: Send | None = None
        self._task: asyncio.Task | None = None
        self._stalled = False
        self._ended = False
        """The body's last chunk was sent (with the final frames: one write, not two)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the response head through the middleware (they add their headers), then either
        hand the response to the app's outermost layer (`DETACH` in the scope, see backend/app.py),
        so the framework's per-request frames are freed while the stream stays open, or run it."""
        await send(start_message(self._headers))
        self._headers = None
        detached = scope.get(DETACH)
        if detached is not None:
            detached.append(self)
            return
        await self.stream(receive, send)

    async def stream(self, receive: Receive, send: Send) -> None:
        """The body: `run`, then the end of the response (unless the client is gone or `run` sent
        it); a stalled send ends it quietly. `close` runs however it ends."""
        self._send = send
        self._task = asyncio.current_task()
        watcher = asyncio.ensure_future(self._watch_disconnect(receive))
        try:
            await self.run()
            if not self.gone and not self._ended:
                await send(END)
        except asyncio.CancelledError:
            if not self._stalled or self._task is None:
                raise
            self._task.uncancel()
            log.warning("stream: client stopped reading; closing")
        finally:
            watcher.cancel()
            await asyncio.shield(self.close())

    async def run(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Release what the body held (called once the body ended, however it ended)."""

    def disconnected(self) -> None:
        """Called once the client is gone (`gone` is set): wake the body if it waits."""

    async def _watch_disconnect(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.gone = True
        self.disconnected()

    def stall(self) -> None:
        """A send is pending past its deadline: give up on this client."""
        if self._task is not None and not self._stalled:
            self._stalled = True
            self._task.cancel()

    def start_pings(self) -> None:
        if self._ping_s > 0:
            self.next_ping = time.monotonic() + self._ping_s

    async def write(self, data: bytes, last: bool = False) -> None:
        """Send frames; `last` ends the response with them."""
        assert self._send is not None
        self.send_deadline = time.monotonic() + self._send_timeout_s
        try:
            await self._send({"type": "http.response.body", "body": data, "more_body": not last})
        finally:
            self.send_deadline = 0.0
        self._ended = last
        self.start_pings()
