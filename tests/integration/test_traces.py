"""One trace per chat across the two real processes: the gateway and a worker export over OTLP/HTTP to a
receiver started by the test, and the spans of one chat share one trace id."""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from stack_kit import LiveStack, chat

pytestmark = pytest.mark.integration


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.spans: list[tuple[str, str, bytes]] = []  # (service, span name, trace id)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.server.spans.append((attributes.get("service.name", ""), span.name, span.trace_id))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def live(receiver):
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    with LiveStack(worker_env={"DEMO_TOKENS_PER_S": "0", **otel}, gateway_env=otel) as stack:
        stack.gateway()
        stack.worker()
        stack.wait_workers(1)
        yield stack


async def test_the_gateway_and_the_worker_spans_of_one_chat_share_a_trace(live, receiver, client):
    frames = await chat(client, live.urls[0], "How many customers are there?")
    assert frames.types[-1] == "complete"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        names = {(service, name) for service, name, _ in receiver.spans}
        if {("agent-gateway", "chat turn"), ("agent-worker", "invoke_agent analytics")} <= names and any(
            n.startswith("execute_tool") for _, n in names
        ):
            break
        await asyncio.sleep(0.2)
    gateway = [t for service, name, t in receiver.spans if (service, name) == ("agent-gateway", "chat turn")]
    worker = {t for service, _, t in receiver.spans if service == "agent-worker"}
    assert gateway and gateway[-1] in worker
    in_trace = {name for _, name, t in receiver.spans if t == gateway[-1]}
    assert {"chat turn", "invoke_agent analytics", "execute_tool run_query"} <= in_trace
    assert any(name.startswith("chat demo") for name in in_trace)
