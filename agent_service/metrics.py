"""The worker's Prometheus metrics (prometheus-client), served on its own small HTTP port.

    agent_stream_queue_depth                         tasks waiting in keys.TASK_QUEUE (read per scrape)
    agent_stream_runs_in_flight                      runs this worker is executing now
    agent_stream_event_loop_lag_seconds              the loop's worst lag over the last beat interval
    agent_stream_run_duration_seconds{outcome}       pickup → terminal event (complete|error|cancelled)
    agent_stream_queue_wait_seconds                  enqueue (or promotion) → pickup
    agent_stream_redeliveries_total                  runs picked up again after a worker lost them
    agent_stream_mcp_reconnects_total                tool-server restarts by the supervisor
    gen_ai_client_operation_duration_seconds{gen_ai_operation_name, gen_ai_request_model, error_type}
    gen_ai_client_operation_time_to_first_chunk_seconds{gen_ai_operation_name, gen_ai_request_model}
    gen_ai_client_token_usage{gen_ai_operation_name, gen_ai_request_model, gen_ai_token_type}
    gen_ai_execute_tool_duration_seconds{gen_ai_tool_name, error_type}   (its _count: calls by tool;
                                                     error_type="" for a call that succeeded)
The gen_ai_* names are the OpenTelemetry GenAI semantic conventions' metrics (gen_ai.client.token.usage,
gen_ai.client.operation.duration, gen_ai.client.operation.time_to_first_chunk,
gen_ai.execute_tool.duration) in their Prometheus form: dots become underscores and the unit
(s → _seconds) is appended; the token-usage buckets are the ones the conventions advise.

Why its own port and a thread (prometheus-client's `start_http_server`): a scrape must answer while the
event loop is saturated by runs (that is when it matters most), and the worker has no HTTP server of
its own. WORKER_METRICS_PORT=0 (the default) starts none: several workers on one host would otherwise
fight over one port; each deployment gives each worker its port (docker compose, Kubernetes: one per pod).
Why a registry per WorkerMetrics: tests build many in one process; the global one refuses a name twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from wsgiref.simple_server import WSGIServer

import redis
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from contract import keys

log = logging.getLogger(__name__)

DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
"""gen_ai.client.operation.duration's advised buckets (seconds); also used for runs and queue waits."""
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
"""gen_ai.client.token.usage's advised buckets."""
OPERATION = "chat"
"""gen_ai.operation.name of every model call the worker makes."""


class _QueueDepth:
    """LLEN of the task queue, read with the worker's synchronous client when Prometheus scrapes (the
    scrape runs in the metrics thread, so it cannot use the loop's asyncio clients)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def collect(self):
        try:
            depth = int(self.client.llen(keys.TASK_QUEUE))
        except (redis.RedisError, OSError) as exc:
            log.debug("metrics: queue depth unavailable (%s)", type(exc).__name__)
            return
        yield GaugeMetricFamily("agent_stream_queue_depth", "Tasks waiting for a worker", value=depth)


class _Reconnects:
    """The supervisor's own count of tool-server restarts, as a counter (it only grows)."""

    def __init__(self, count: Callable[[], int]) -> None:
        self.count = count

    def collect(self):
        counter = CounterMetricFamily("agent_stream_mcp_reconnects", "Tool-server restarts by the supervisor")
        counter.add_metric([], self.count())
        yield counter


class WorkerMetrics:
    def __init__(self) -> None:
        disable_created_metrics()  # no *_created series: Prometheus never reads them
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.runs_in_flight = Gauge("agent_stream_runs_in_flight", "Runs being executed", registry=r)
        self.loop_lag = Gauge(
            "agent_stream_event_loop_lag_seconds", "Worst event-loop lag over the last beat", registry=r
        )
        self.run_duration = Histogram(
            "agent_stream_run_duration_seconds",
            "Pickup to terminal event",
            ["outcome"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "agent_stream_queue_wait_seconds", "Enqueue to pickup", buckets=DURATION_BUCKETS, registry=r
        )
        self.redeliveries = Counter(
            "agent_stream_redeliveries", "Runs picked up again after a worker lost them", registry=r
        )
        model = ["gen_ai_operation_name", "gen_ai_request_model"]
        self.operation_duration = Histogram(
            "gen_ai_client_operation_duration_seconds",
            "GenAI operation duration",
            [*model, "error_type"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.first_chunk = Histogram(
            "gen_ai_client_operation_time_to_first_chunk_seconds",
            "Time to the first chunk of a streamed model response",
            model,
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.token_usage = Histogram(
            "gen_ai_client_token_usage",
            "Number of input and output tokens used",
            [*model, "gen_ai_token_type"],
            buckets=TOKEN_BUCKETS,
            registry=r,
        )
        self.tool_duration = Histogram(
            "gen_ai_execute_tool_duration_seconds",
            "Tool execution duration",
            ["gen_ai_tool_name", "error_type"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )

    def watch(
        self,
        *,
        runs: Callable[[], int],
        loop_lag_s: Callable[[], float],
        reconnects: Callable[[], int],
        sync: redis.Redis | None,
    ) -> None:
        """Values read when Prometheus scrapes: the worker's run count, its loop lag, the supervisor's
        reconnect count, and (with a synchronous client) the queue depth."""
        self.runs_in_flight.set_function(runs)
        self.loop_lag.set_function(loop_lag_s)
        self.registry.register(_Reconnects(reconnects))
        if sync is not None:
            self.registry.register(_QueueDepth(sync))

    def model_call(self, model: str, duration_s: float, error_type: str = "") -> None:
        self.operation_duration.labels(OPERATION, model, error_type).observe(duration_s)

    def first_token(self, model: str, after_s: float) -> None:
        self.first_chunk.labels(OPERATION, model).observe(after_s)

    def tokens(self, model: str, input_tokens: int, output_tokens: int) -> None:
        self.token_usage.labels(OPERATION, model, "input").observe(input_tokens)
        self.token_usage.labels(OPERATION, model, "output").observe(output_tokens)

    def tool_call(self, tool: str, duration_s: float, error_type: str = "") -> None:
        self.tool_duration.labels(tool, error_type).observe(duration_s)

    def serve(self, port: int, host: str) -> WSGIServer | None:
        """Start the scrape endpoint in a daemon thread; None when port is 0 (off) or taken."""
        if not port:
            return None
        try:
            server, _thread = start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:  # the port is taken: the worker still serves runs, without metrics
            log.error("metrics server not started on %s:%d: %s", host, port, exc)
            return None
        log.info("metrics on http://%s:%d/metrics", host, server.server_port)
        return server
