"""Server-sent-event framing, as bytes ready for the ASGI `send` (WHATWG HTML § server-sent events).

Only what the gateway writes: task events (`id:` = seq, one `data:` line: the stored event JSON,
which never holds a raw newline), a keep-alive comment, and the `reconnect` frame a closing gateway
sends (no id, so it consumes no seq; `retry:` sets the browser's reconnect delay). Frames end with a
blank line and lines end with LF. The response headers are the ones proxies need to pass a stream
through unbuffered: `Cache-Control: no-store` and `X-Accel-Buffering: no` (no `Connection:
keep-alive`: HTTP/2 forbids it and Safari drops such a stream).
"""

from __future__ import annotations

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


def event_frame(seq: int, data: bytes | str) -> bytes:
    return b"id: %d\ndata: %s\n\n" % (seq, data.encode() if isinstance(data, str) else data)


def reconnect_frame() -> bytes:
    return RECONNECT


def start_message(headers: dict[str, str] | None = None) -> dict:
    raw = list(_HEADERS)
    if headers:
        raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return {"type": "http.response.start", "status": 200, "headers": raw}
