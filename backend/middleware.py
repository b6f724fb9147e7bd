"""Cross-cutting HTTP behaviour as pure ASGI middleware.

Why pure ASGI and not `BaseHTTPMiddleware`: BaseHTTPMiddleware re-wraps the response body in its
own stream and task group, which has a long record of breaking streaming responses and client
disconnect detection (Kludex/starlette#1438, #1715, #2687) — exactly what the SSE routes depend on.
These classes only wrap `send` to edit `http.response.start` headers, so SSE chunks pass through
untouched. Never add GZip here: compression buffers the event stream.

Order in create_app (outermost first): Metrics (backend/metrics.py) → RequestId → SecurityHeaders → ErrorTracking → BodySizeLimit
→ CORS → routes, so even the 500 page carries the request id and the security headers.
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract import logfields

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_UNSAFE = re.compile(r"[^A-Za-z0-9._:\-]")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def clean_request_id(raw: str | None) -> str:
    """A client's X-Request-ID, stripped to log-safe characters and 128 chars; else a new one."""
    cleaned = _UNSAFE.sub("", raw or "")[:128]
    return cleaned or uuid.uuid4().hex


class RequestIdMiddleware:
    """Accepts or generates X-Request-ID, exposes it to logs (contextvar) and handlers (scope state),
    and echoes it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                raw = value.decode("latin-1")
                break
        request_id = clean_request_id(raw)
        scope.setdefault("state", {})["request_id"] = request_id
        token = logfields.request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logfields.request_id.reset(token)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ErrorTrackingMiddleware:
    """Any unhandled exception → logged with its traceback, answered as a JSON 500 that names the
    request id and nothing else (no exception text, no stack)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            request_id = scope.get("state", {}).get("request_id", "")
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = JSONResponse(
                {"detail": "Internal server error", "request_id": request_id}, status_code=500
            )
            await response(scope, receive, send)


class BodySizeLimitMiddleware:
    """Answers 413 for a body over `max_bytes` before the app has it all: a declared Content-Length
    is refused up front, and a chunked body is counted as it is received (FastAPI buffers the whole
    body before resolving dependencies, auth included, so without the count anyone could make the
    gateway hold an arbitrarily large body). The per-message limit is checked after parsing."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> JSONResponse:
        return JSONResponse(
            {"detail": f"request body is larger than {self.max_bytes} bytes"}, status_code=413
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > self.max_bytes:
                    await self._too_large()(scope, receive, send)
                    return
                break
        received = 0
        rejected = False

        async def counting_receive() -> Message:
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # answer now, and tell the app the client is gone so it stops reading
                    rejected = True
                    await self._too_large()(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not rejected:  # after a 413 the app's own answer (if any) is dropped
                await send(message)

        await self.app(scope, counting_receive, guarded_send)
