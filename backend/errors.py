"""The gateway's exceptions, and the handlers that turn the ones a request can meet into JSON.

    GatewayError                                        every exception the gateway defines
    ├── ApiError (status, detail, headers, extra)       raised by stores and routes; answered as JSON
    │   ├── 401 no / bad API key; bad bearer token      (+ WWW-Authenticate; a token's reason in
    │   │                                                 "error_description", backend/auth.py)
    │   ├── 404 not found / other owner's resource      (never reveals which of the two)
    │   ├── 409 session has an active run               (+ "task_id")
    │   ├── 413 message too long, parts too large       (before anything is enqueued; backend/messageparts.py)
    │   ├── 422 too many parts, an image or file the    (+ "inputs": what the agent's model reads)
    │   │       agent's model does not read
    │   ├── 429 rate limit / open-stream cap            (+ Retry-After, and "limit": user_rate | key_rate
    │   │                                                 | user_streams | key_streams | share_rate; backend/limits.py)
    │   └── 503 queue full / relay / JWKS unavailable   (+ Retry-After)
    ├── ConfigError                                     the settings cannot run a gateway (no API keys,
    │                                                   unsafe token settings): create_app refuses,
    │                                                   `python -m backend` exits 2
    ├── TokenRejected (reason)                          a bearer token is refused: a 401 ApiError with
    │                                                   the reason (backend/tokens.py → backend/auth.py)
    ├── UnknownKeyId                                    the JWKS has no key with the token's kid, even
    │                                                   after a re-fetch: a TokenRejected (backend/jwks.py)
    └── JwksUnavailable                                 no signing keys could be fetched: a 503 ApiError,
                                                        the token is not at fault (backend/jwks.py)
    Not ours, also answered here:
    RedisError (ConnectionError, TimeoutError, ...)     → 503 {"detail", "request_id"}, never a 500
    RequestValidationError                              → 422; invalid JSON gets a plain-words detail
Anything else reaches ErrorTrackingMiddleware (JSON 500 without internals).

All of them live here, with no gateway imports, so any module can raise them without an import cycle.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from redis.exceptions import RedisError
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)


class GatewayError(Exception):
    """Base of every exception the gateway defines."""


class ConfigError(GatewayError):
    """The settings cannot run a gateway (e.g. no API keys)."""


class TokenRejected(GatewayError):
    """A bearer token is refused; `reason` is short and never quotes the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JwksUnavailable(GatewayError):
    """No signing keys could be fetched (provider down, slow, or serving garbage)."""


class UnknownKeyId(GatewayError):
    """The token names a key the provider does not publish, even after a re-fetch."""


class ApiError(GatewayError):
    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}
        self.reason = reason or str(self.extra.get("limit", ""))
        """Why a request was refused, for agent_stream_refusals_total (a 429's `limit`, a 503's cause)."""

    def __repr__(self) -> str:
        return f"ApiError({self.status_code}, {self.detail!r})"


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def unavailable(detail: str, retry_after_s: int, reason: str = "unavailable") -> ApiError:
    return ApiError(503, detail, headers={"Retry-After": str(retry_after_s)}, reason=reason)


def _count_refusal(request: Request, status: int, reason: str) -> None:
    if status in (429, 503):
        request.app.state.metrics.refused(status, reason)


OPENAI_PREFIX = "/v1/"
"""The OpenAI-compatible routes (backend/routes/openai.py): their errors also carry OpenAI's shape."""
_OPENAI_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}


def _json(request: Request, body: dict, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error body; under /v1/ also `error: {message, type, code, param}`, which OpenAI's clients
    read (the `detail` stays, as on every other route)."""
    if request.url.path.startswith(OPENAI_PREFIX):
        detail = body["detail"]
        message = detail if isinstance(detail, str) else "; ".join(str(e.get("msg", e)) for e in detail)
        kind = _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        code = body.get("limit") or body.get("code")
        body = {"error": {"message": message, "type": kind, "code": code, "param": None}, **body}
    return JSONResponse(body, status_code=status, headers=headers)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    _count_refusal(request, exc.status_code, exc.reason)
    return _json(request, {"detail": exc.detail, **exc.extra}, exc.status_code, exc.headers)


async def _redis_error(request: Request, exc: RedisError) -> JSONResponse:
    log.warning("redis unavailable: %s: %s", type(exc).__name__, exc)
    _count_refusal(request, 503, "redis")
    settings = request.app.state.settings
    return _json(
        request,
        {
            "detail": "Service temporarily unavailable, try again shortly",
            "request_id": getattr(request.state, "request_id", ""),
        },
        503,
        {"Retry-After": str(settings.busy_retry_after_s)},
    )


INPUT_ECHO_CHARS = 200
"""A 422 echoes each invalid input, but a string longer than this (an image's base64) only by its start."""


def _brief(value):
    if isinstance(value, str) and len(value) > INPUT_ECHO_CHARS:
        return f"{value[:INPUT_ECHO_CHARS]}… ({len(value)} characters)"
    if isinstance(value, dict):
        return {k: _brief(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_brief(v) for v in value]
    return value


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return _json(request, {"detail": "request body is not valid JSON"}, 422)
    errors = [{**e, "input": _brief(e["input"])} if "input" in e else e for e in errors]
    return _json(request, {"detail": jsonable_encoder(errors)}, 422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RedisError, _redis_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
