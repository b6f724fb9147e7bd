"""What one delivered task records in the worker's metrics: the run by outcome, its queue wait, and
per model call its duration, first chunk and tokens (the real Runner, with the run hooks)."""

from __future__ import annotations

from agents.testing import ScriptedModel
from agents.usage import Usage as SdkUsage
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from worker_kit import enqueue, make_runner, sql_call, text_step

from agent_service.metrics import WorkerMetrics


def counts(metrics: WorkerMetrics) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        for sample in family.samples:
            if sample.name.endswith(("_count", "_sum", "_total")):
                out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def labelled(got: dict, name: str) -> dict[tuple, float]:
    return {labels: value for (n, labels), value in got.items() if n == name}


async def test_a_completed_run_is_timed_by_outcome_with_its_queue_wait(fake_redis):
    metrics = WorkerMetrics()
    _task, payload = await enqueue(fake_redis)
    await make_runner(fake_redis, ScriptedModel([text_step(["hi"])]), metrics=metrics).deliver(payload)
    got = counts(metrics)
    assert got[("agent_stream_run_duration_seconds_count", (("outcome", "complete"),))] == 1
    assert got[("agent_stream_queue_wait_seconds_count", ())] == 1
    assert got[("agent_stream_redeliveries_total", ())] == 0


async def test_each_model_call_records_duration_first_chunk_and_tokens(fake_redis):
    metrics = WorkerMetrics()
    usage = SdkUsage(requests=1, input_tokens=20, output_tokens=7, total_tokens=27)
    model = ScriptedModel([sql_call(), text_step(["Ann ", "spent ", "15."], usage=usage)])
    _task, payload = await enqueue(fake_redis)
    await make_runner(fake_redis, model, metrics=metrics).deliver(payload)
    got = counts(metrics)
    assert sum(labelled(got, "gen_ai_client_operation_duration_seconds_count").values()) == 2
    assert sum(labelled(got, "gen_ai_client_operation_time_to_first_chunk_seconds_count").values()) == 1
    output = [
        v
        for k, v in labelled(got, "gen_ai_client_token_usage_sum").items()
        if ("gen_ai_token_type", "output") in k
    ]
    assert sum(output) >= 7


async def test_a_redelivered_run_is_counted_and_its_wait_is_not(fake_redis):
    metrics = WorkerMetrics()
    _task, payload = await enqueue(fake_redis, attempts=1)
    await make_runner(fake_redis, ScriptedModel([text_step(["hi"])]), metrics=metrics).deliver(payload)
    got = counts(metrics)
    assert got[("agent_stream_redeliveries_total", ())] == 1
    assert got[("agent_stream_queue_wait_seconds_count", ())] == 0
