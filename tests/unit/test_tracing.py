"""One trace per chat: the gateway's span, the worker's run and its model calls share one trace id, the
context carried inside the task (an in-memory exporter; the gateway app and the worker's delivery run
in this process on one fake Redis, exactly as they meet in Redis across processes)."""

from __future__ import annotations

import asyncio

import fakeredis
import pytest
from agents.testing import ScriptedModel
from gateway_fixtures import gateway_settings, running_gateway
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support.fakeworker import FakeWorker
from support.keys import HEADERS_A
from support.waiting import wait_until
from worker_kit import make_runner, text_step

from agent_service.metrics import WorkerMetrics
from contract import ChatTask, keys, tracing


@pytest.fixture(scope="module")
def spans():
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


async def test_a_chats_spans_share_one_trace_from_the_gateway_to_the_model_call(server, spans):
    spans.clear()
    worker = FakeWorker(fakeredis.FakeAsyncRedis(server=server, decode_responses=True), hold=True)
    await worker.beat()
    redis = worker.redis
    async with running_gateway(gateway_settings(), server) as client:
        asked = asyncio.create_task(client.post("/ai/api/chat", json={"message": "hi"}, headers=HEADERS_A))
        await wait_until(lambda: redis.llen(keys.TASK_QUEUE))
        payload = await redis.lmove(keys.TASK_QUEUE, keys.processing("w-test"), "RIGHT", "LEFT")
        assert ChatTask.model_validate_json(payload).trace["traceparent"]
        await make_runner(redis, ScriptedModel([text_step(["hello"])]), metrics=WorkerMetrics()).deliver(
            payload
        )
        answer = await asked
    assert answer.json()["status"] == "complete"
    by_name = {s.name: s for s in spans.get_finished_spans()}
    turn, run = by_name["chat turn"], by_name["invoke_agent analyst"]
    model_calls = [s for s in spans.get_finished_spans() if s.name.startswith("chat ") and s is not turn]
    assert model_calls and all(s.context.trace_id == turn.context.trace_id for s in model_calls)
    assert run.context.trace_id == turn.context.trace_id and run.parent.span_id == turn.context.span_id
    assert all(s.parent.span_id == run.context.span_id for s in model_calls)
    assert model_calls[0].attributes["gen_ai.operation.name"] == "chat"


def test_without_an_endpoint_nothing_is_installed(monkeypatch):
    for name in tracing.ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert tracing.start("agent-test") is False
