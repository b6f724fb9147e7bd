"""GET /metrics: the Prometheus text exposition of this gateway process, plus fleet-wide values.

No key (see backend/metrics.py for why). The fleet values are read from Redis for each scrape, bounded
by HEALTH_TIMEOUT_S; when Redis does not answer in time they are left out of that scrape (a gap in
those series, not a failed scrape: the per-process counts still come through). They are:
    agent_stream_feedback_total{rating}   ratings given, ever (keys.FEEDBACK_COUNTS; never decreases)
    agent_stream_queue_depth              tasks waiting in keys.TASK_QUEUE
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from backend.deps import RedisDep, SessionsDep, SettingsDep
from backend.metrics import GatewayMetrics, multiprocess_dir
from contract import keys

log = logging.getLogger(__name__)

router = APIRouter(tags=["metrics"])


class _Fleet:
    """A one-scrape collector of values already read from Redis."""

    def __init__(self, feedback: dict[str, int], queue_depth: int) -> None:
        self.feedback = feedback
        self.queue_depth = queue_depth

    def collect(self):
        counts = CounterMetricFamily(
            "agent_stream_feedback", "Answer ratings given, fleet-wide", labels=["rating"]
        )
        for rating, count in self.feedback.items():
            counts.add_metric([rating], count)
        yield counts
        yield GaugeMetricFamily(
            "agent_stream_queue_depth", "Tasks waiting for a worker, fleet-wide", value=self.queue_depth
        )


@router.get("/metrics", include_in_schema=False)
async def metrics(
    request: Request, redis: RedisDep, sessions: SessionsDep, settings: SettingsDep
) -> Response:
    own: GatewayMetrics = request.app.state.metrics
    path = multiprocess_dir()
    if path:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)
    else:
        registry = CollectorRegistry(auto_describe=True)
        registry.register(_Own(own))
    try:
        async with asyncio.timeout(settings.health_timeout_s):
            feedback = await sessions.feedback.counts()
            depth = int(await redis.llen(keys.TASK_QUEUE))
        registry.register(_Fleet(feedback, depth))
    except Exception as exc:  # Redis down or slow: serve the process's own counts without the fleet's
        log.debug("metrics: fleet values skipped (%s: %s)", type(exc).__name__, exc)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class _Own:
    """The app's own registry as one collector of the scrape's registry."""

    def __init__(self, metrics: GatewayMetrics) -> None:
        self.metrics = metrics

    def collect(self):
        return self.metrics.registry.collect()
