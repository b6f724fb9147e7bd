"""The worker's Prometheus metrics: the scrape endpoint, the GenAI metrics fed by SDK run hooks, and
the values read at scrape time."""

from __future__ import annotations

import socket
import urllib.request

import fakeredis
from agents import Agent, Runner
from prometheus_client.parser import text_string_to_metric_families

from agent_service.config import Settings
from agent_service.metrics import WorkerMetrics
from agent_service.models import build_model
from agent_service.observation import ModelCallHooks


def samples(metrics: WorkerMetrics) -> dict[tuple[str, tuple], float]:
    from prometheus_client import generate_latest

    out = {}
    for family in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_port_zero_serves_nothing():
    assert WorkerMetrics().serve(0, "127.0.0.1") is None


def test_the_scrape_endpoint_answers_from_its_own_thread():
    metrics = WorkerMetrics()
    metrics.watch(runs=lambda: 3, loop_lag_s=lambda: 0.05, reconnects=lambda: 2, sync=None)
    server = metrics.serve(free_port(), "127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5) as reply:
            text = reply.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "agent_stream_runs_in_flight 3.0" in text
    assert "agent_stream_event_loop_lag_seconds 0.05" in text
    assert "agent_stream_mcp_reconnects_total 2.0" in text


def test_queue_depth_is_read_from_redis_at_scrape_time():
    client = fakeredis.FakeRedis()
    client.rpush("agent:tasks", "a", "b")
    metrics = WorkerMetrics()
    metrics.watch(runs=lambda: 0, loop_lag_s=lambda: 0.0, reconnects=lambda: 0, sync=client)
    assert samples(metrics)[("agent_stream_queue_depth", ())] == 2
    client.rpush("agent:tasks", "c")
    assert samples(metrics)[("agent_stream_queue_depth", ())] == 3


def test_an_unreachable_redis_leaves_the_queue_depth_out_of_the_scrape():
    server = fakeredis.FakeServer()
    client = fakeredis.FakeRedis(server=server)
    metrics = WorkerMetrics()
    metrics.watch(runs=lambda: 0, loop_lag_s=lambda: 0.0, reconnects=lambda: 0, sync=client)
    server.connected = False
    got = samples(metrics)
    assert ("agent_stream_queue_depth", ()) not in got
    assert ("agent_stream_runs_in_flight", ()) in got


async def test_each_model_call_records_its_duration_and_tokens_under_genai_names():
    settings = Settings(_env_file=None, model_provider="demo", demo_tokens_per_s=0)
    model, model_settings = build_model(settings)
    agent = Agent(name="chat", instructions="Be brief.", model=model, model_settings=model_settings)
    metrics = WorkerMetrics()
    result = await Runner.run(agent, "hello there", hooks=ModelCallHooks(metrics))
    usage = result.context_wrapper.usage
    got = samples(metrics)
    model = next(dict(k[1])["gen_ai_request_model"] for k in got if k[0].startswith("gen_ai_client_token"))
    call = (("error_type", ""), ("gen_ai_operation_name", "chat"), ("gen_ai_request_model", model))
    assert got[("gen_ai_client_operation_duration_seconds_count", call)] == usage.requests
    tokens = (("gen_ai_operation_name", "chat"), ("gen_ai_request_model", model))
    assert (
        got[("gen_ai_client_token_usage_sum", (*tokens, ("gen_ai_token_type", "input")))]
        == usage.input_tokens
    )
    assert (
        got[("gen_ai_client_token_usage_sum", (*tokens, ("gen_ai_token_type", "output")))]
        == usage.output_tokens
    )


def test_tool_calls_are_counted_by_tool_and_error_type():
    metrics = WorkerMetrics()
    metrics.tool_call("run_query", 0.2)
    metrics.tool_call("run_query", 0.3, "McpError")
    got = samples(metrics)
    ok = (("error_type", ""), ("gen_ai_tool_name", "run_query"))
    failed = (("error_type", "McpError"), ("gen_ai_tool_name", "run_query"))
    assert got[("gen_ai_execute_tool_duration_seconds_count", ok)] == 1
    assert got[("gen_ai_execute_tool_duration_seconds_count", failed)] == 1


def test_a_taken_port_leaves_the_worker_without_metrics_instead_of_failing_it():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert WorkerMetrics().serve(taken.getsockname()[1], "127.0.0.1") is None
