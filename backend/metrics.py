"""The gateway's Prometheus metrics (prometheus-client), and the middleware that counts requests.

What one gateway process measures, each on its own hot path as one `inc`/`observe` and nothing more:
    agent_stream_http_requests_total{method, route, status}   every HTTP response; `route` is the
                                                              route's template (bounded label set)
    agent_stream_http_response_start_seconds{method, route}   time until the response head is sent
                                                              (an SSE stream's head: its acceptance)
    agent_stream_refusals_total{reason}                       429 and 503 answers, by why (the 429's
                                                              `limit`, or the 503's cause)
    agent_stream_open_streams                                 SSE streams being served now
    agent_stream_events_relayed_total                         events written to SSE clients
    agent_stream_relay_lag_seconds                            pub/sub receipt → written to the client
What the whole fleet shares is read from Redis at scrape time by GET /metrics (routes/metrics.py), so
every gateway reports the same value (take `max`, not `sum`): feedback totals by rating.

Why a registry per app and not prometheus-client's global REGISTRY: the app factory may build many
apps in one process (the tests do), and a second registration of a metric name on the global one
raises. Why no key on /metrics: it carries counts only, no user data, and scrapers do not hold API
keys; put it behind the network policy that guards the workers' metrics port.

Several uvicorn processes on one port: set PROMETHEUS_MULTIPROC_DIR (an empty directory) before the
processes start; prometheus-client then keeps every value in a file there, /metrics sums them with
its MultiProcessCollector, and the open-streams gauge is the live sum over processes.
"""

from __future__ import annotations

import os
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"
"""The `route` label of a request no route matched (a 404 or a scanner): one label, not its path."""


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class GatewayMetrics:
    def __init__(self) -> None:
        disable_created_metrics()  # no *_created series: Prometheus never reads them
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "agent_stream_http_requests", "HTTP responses sent", ["method", "route", "status"], registry=r
        )
        self.response_start = Histogram(
            "agent_stream_http_response_start_seconds",
            "Time from the request to its response head",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.refusals = Counter(
            "agent_stream_refusals", "Requests refused with 429 or 503, by reason", ["reason"], registry=r
        )
        self.open_streams = Gauge(
            "agent_stream_open_streams", "SSE streams being served", registry=r, multiprocess_mode="livesum"
        )
        self.events_relayed = Counter(
            "agent_stream_events_relayed", "Events written to SSE clients", registry=r
        )
        self.relay_lag = Histogram(
            "agent_stream_relay_lag_seconds",
            "Time from an event's pub/sub receipt to its write to the client",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

    def refused(self, status: int, reason: str) -> None:
        self.refusals.labels(reason=reason or str(status)).inc()


def route_label(scope: Scope) -> str:
    """The matched route's template; a mount (the UI's files) is its prefix + "/{path}"."""
    route = scope.get("route")
    if route is not None:
        return route.path
    if "endpoint" in scope and scope.get("root_path"):
        return scope["root_path"] + "/{path}"
    return UNMATCHED


class MetricsMiddleware:
    """Counts each HTTP response by route template and status, and times its head. Pure ASGI like the
    rest of backend/middleware.py: it only watches `http.response.start` go by."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self.metrics.response_start.labels(scope["method"], route_label(scope)).observe(
                    time.perf_counter() - began
                )
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            self.metrics.requests.labels(scope["method"], route_label(scope), str(status)).inc()
