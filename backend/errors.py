"""Errors the gateway answers with, and the handlers that turn them into JSON.

    ApiError (status, detail, headers, extra fields)   raised by stores and routes
    ├── 401 no / bad API key; bad bearer token          (+ WWW-Authenticate; a token's reason in
    │                                                     "error_description", backend/auth.py)
    ├── 404 not found / other owner's resource          (never reveals which of the two)
    ├── 409 session has an active run                   (+ "task_id")
    ├── 413 message too long                            (before anything is enqueued)
    ├── 429 rate limit / open-stream cap                (+ Retry-After, and "limit": user_rate | key_rate
    │                                                     | user_streams | key_streams; backend/limits.py)
    └── 503 queue full / relay / JWKS unavailable       (+ Retry-After)
    RedisError (ConnectionError, TimeoutError, ...)     → 503 {"detail", "request_id"}, never a 500
    RequestValidationError                              → 422; invalid JSON gets a plain-words detail
Anything else reaches ErrorTrackingMiddleware (JSON 500 without internals).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from redis.exceptions import RedisError
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}

    def __repr__(self) -> str:
        return f"ApiError({self.status_code}, {self.detail!r})"


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def unavailable(detail: str, retry_after_s: int) -> ApiError:
    return ApiError(503, detail, headers={"Retry-After": str(retry_after_s)})


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse({"detail": exc.detail, **exc.extra}, exc.status_code, headers=exc.headers)


async def _redis_error(request: Request, exc: RedisError) -> JSONResponse:
    log.warning("redis unavailable: %s: %s", type(exc).__name__, exc)
    settings = request.app.state.settings
    return JSONResponse(
        {
            "detail": "Service temporarily unavailable, try again shortly",
            "request_id": getattr(request.state, "request_id", ""),
        },
        status_code=503,
        headers={"Retry-After": str(settings.busy_retry_after_s)},
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse({"detail": "request body is not valid JSON"}, status_code=422)
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RedisError, _redis_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
