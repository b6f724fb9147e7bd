"""One trace per chat across the gateway and the worker (OpenTelemetry).

    gateway  chat {task}             the admission and enqueue of one turn (backend/chatturn.py)
      worker   invoke_agent {agent}  the run (agent_service/execution/run.py)
        worker   chat {model}        each model call (agent_service/observation.py)
        worker   execute_tool {tool} each tool call (agent_service/tools/supervisor.py)
The context travels inside the task (`ChatTask.trace`, W3C `traceparent`), so the spans of one chat
share a trace id whichever gateway took it and whichever worker ran it. Span names and attributes follow
the OpenTelemetry GenAI conventions (gen_ai.operation.name, gen_ai.request.model, gen_ai.usage.*,
gen_ai.tool.name).

Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then `start`
installs the SDK's tracer provider with a batching OTLP/HTTP exporter (the standard OTEL_* variables
configure it: headers, service name, sampling). Without it nothing is installed and the API's tracer
is the no-op one: a span costs a function call, nothing is recorded or sent.
"""

from __future__ import annotations

import os

from opentelemetry import propagate, trace
from opentelemetry.context import Context

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def enabled() -> bool:
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def start(service: str) -> bool:
    """Install the exporting tracer provider when an OTLP endpoint is configured; True if it did."""
    if not enabled():
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or service
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return True


def stop() -> None:
    """Send what is buffered (at shutdown)."""
    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if shutdown is not None:
        shutdown()


def tracer(component: str) -> trace.Tracer:
    return trace.get_tracer(component)


def carrier() -> dict[str, str]:
    """The current span's context, for `ChatTask.trace` (empty when tracing is off)."""
    out: dict[str, str] = {}
    propagate.inject(out)
    return out


def parent(trace_carrier: dict[str, str]) -> Context:
    """The context a task's carrier names (the gateway's span), to start the worker's spans under."""
    return propagate.extract(trace_carrier)
