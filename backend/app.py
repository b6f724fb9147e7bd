"""The gateway application: `create_app(settings) -> FastAPI`.

No import-time app or settings: tests build their own Settings (and fakeredis clients through
`redis_factory`); `python -m backend` uses `get_settings()`. The lifespan owns the process-wide
resources — one Redis command client, the relay (one pub/sub connection and its reader task), the
streams' ticker (backend/ticker.py) —
and closes them after uvicorn has drained the open streams.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse

from backend import errors
from backend.auth import ApiKeys
from backend.capacity import Admission
from backend.config import Settings, get_settings
from backend.connections import RedisFactory, connect
from backend.feedback import FeedbackStore
from backend.lifecycle import Lifecycle
from backend.limits import StreamSlots
from backend.metrics import GatewayMetrics, MetricsMiddleware
from backend.middleware import (
    BodySizeLimitMiddleware,
    ErrorTrackingMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from backend.relay import Relay
from backend.routes import (
    agents,
    chat,
    chatstream,
    docs,
    health,
    me,
    metrics,
    openai,
    sessions,
    shares,
    stats,
    tasks,
    ui_config,
    ws,
)
from backend.sessions import SessionStore
from backend.shares import ShareStore
from backend.sse import DETACH
from backend.static import UiFiles
from backend.stream import StreamDeps, TaskStream
from backend.taskstore import TaskStore
from backend.ticker import Ticker
from backend.tokens import TokenVerifier
from contract import EventLog, logfields

log = logging.getLogger(__name__)

STATIC_PREFIX = "/ai/static"
EXPOSED_HEADERS = [
    "X-Task-ID",
    "X-Session-ID",
    "X-Queued-Behind",
    "X-Request-ID",
    "Content-Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
]


_ASGI_SCOPE_KEYS = frozenset(
    ("type", "asgi", "http_version", "server", "client", "scheme", "method", "root_path", "path")
    + ("raw_path", "query_string", "headers", "state", "extensions")
)


class Gateway(FastAPI):
    """FastAPI that runs SSE stream bodies after the request has left the framework.

    A stream route returns a TaskStream; the TaskStream sends its head through the middleware and
    parks itself in scope[DETACH]. Here, once FastAPI's call returned (and with it every router,
    dependency and middleware frame of the request), the parked stream runs with the server's own
    receive/send, so an idle open stream holds little more than its connection (BENCHMARKS.md)."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        detached: list[TaskStream] = []
        scope[DETACH] = detached
        await super().__call__(scope, receive, send)
        if not detached:
            return
        # drop routing results and FastAPI's exit stacks, kept alive by the scope; clear() also
        # frees the dict's grown table (the server holds this very dict, so it is not replaced)
        kept = {k: v for k, v in scope.items() if k in _ASGI_SCOPE_KEYS}
        scope.clear()
        scope.update(kept)
        logfields.request_id.set(scope.get("state", {}).get("request_id", ""))
        for stream in detached:
            await stream.stream(receive, send)


def create_app(settings: Settings | None = None, *, redis_factory: RedisFactory = connect) -> FastAPI:
    settings = settings or get_settings()
    if not settings.keys and not settings.tokens_enabled:
        raise errors.ConfigError(
            "No API keys configured: set API_KEYS (comma-separated) or API_KEY (or JWT_SECRET / "
            "JWT_JWKS_URL for user tokens); the gateway refuses to run open to anyone."
        )
    tokens = TokenVerifier(settings) if settings.tokens_enabled else None
    lifecycle = Lifecycle()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        redis = redis_factory(settings, "commands")
        relay = Relay(
            redis_factory(settings, "pubsub"),
            queue_size=settings.relay_queue_size,
            subscribe_timeout_s=settings.subscribe_timeout_s,
            retry_after_s=settings.busy_retry_after_s,
        )
        eventlog = EventLog(
            redis, live_ttl_s=settings.task_live_ttl_s, retention_s=settings.event_retention_s
        )
        task_store = TaskStore(redis, eventlog, settings)
        app.state.redis = redis
        app.state.admission = Admission(redis, settings)
        app.state.relay = relay
        app.state.tasks = task_store
        app.state.sessions = SessionStore(
            redis,
            task_store,
            FeedbackStore(redis, settings.session_ttl_s),
            ShareStore(redis, settings.share_ttl_s, settings.session_ttl_s),
        )
        slots = StreamSlots(redis, settings)
        ticker = Ticker(redis, slots, settings)
        app.state.streams = StreamDeps(
            settings=settings,
            eventlog=eventlog,
            relay=relay,
            tasks=task_store,
            slots=slots,
            lifecycle=lifecycle,
            ticker=ticker,
            metrics=app.state.metrics,
        )
        lifecycle.on_close(relay.interrupt_all)
        await relay.start()
        await ticker.start()
        log.info(
            "gateway started (%d API keys, %d proxy keys, bearer tokens %s)",
            len(settings.keys),
            len(settings.proxy_keys),
            ",".join(tokens.algorithms) if tokens else "off",
        )
        try:
            yield
        finally:
            lifecycle.begin_close()
            await ticker.stop()
            await relay.stop()
            await redis.aclose()
            if tokens is not None:
                await tokens.aclose()
            log.info("gateway stopped")

    app = Gateway(
        title="Agent gateway",
        version=health.VERSION,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load a CDN and an inline script: backend/routes/docs.py serves them
        redoc_url=None,
        openapi_url="/ai/api/openapi.json",
    )
    app.state.settings = settings
    app.state.lifecycle = lifecycle
    app.state.api_keys = ApiKeys(settings.keys, settings.proxy_keys) if settings.keys else None
    app.state.tokens = tokens
    app.state.metrics = GatewayMetrics()

    errors.install(app)

    app.router.routes[:0] = chatstream.routes()  # serves the chat stream route declared in chat.router
    app.include_router(chat.router)
    app.include_router(agents.router)
    app.include_router(tasks.router)
    app.include_router(sessions.router)
    app.include_router(shares.router)
    app.include_router(stats.router)
    app.include_router(health.router)
    app.include_router(ui_config.router)
    app.include_router(me.router)
    app.include_router(docs.router)
    app.include_router(metrics.router)
    app.include_router(openai.router)
    app.include_router(ws.router)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{STATIC_PREFIX}/", status_code=307)

    app.mount(STATIC_PREFIX, UiFiles(settings.static_dir), name="static")

    # added innermost first; the last one added is the outermost (see backend/middleware.py)
    if settings.origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type", "Last-Event-ID", "X-Request-ID"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
    body_max = (
        settings.max_message_chars * 6
        + 65536
        + settings.parts_max_bytes * 4 // 3
        + 4 * settings.max_parts * 1024
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=body_max)
    app.add_middleware(ErrorTrackingMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    return app
