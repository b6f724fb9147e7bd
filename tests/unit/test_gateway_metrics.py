"""GET /metrics: the gateway's Prometheus exposition."""

from __future__ import annotations

import fakeredis
from gateway_fixtures import gateway_settings, running_gateway, task_events
from prometheus_client.parser import text_string_to_metric_families
from support.keys import HEADERS_A

from contract import keys


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def test_metrics_need_no_key_and_are_prometheus_text(server):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE agent_stream_http_requests_total counter" in response.text


async def test_requests_are_counted_by_route_template_and_status(server):
    async with running_gateway(gateway_settings(), server) as client:
        await client.get("/ai/api/health/live")
        await client.get("/ai/api/health/live")
        await client.get("/ai/api/sessions/abc", headers={"X-API-Key": "wrong"})
        text = (await client.get("/metrics")).text
    got = samples(text)
    live = (("method", "GET"), ("route", "/ai/api/health/live"), ("status", "200"))
    assert got[("agent_stream_http_requests_total", live)] == 2
    rejected = (("method", "GET"), ("route", "/ai/api/sessions/{session_id}"), ("status", "401"))
    assert got[("agent_stream_http_requests_total", rejected)] == 1


async def test_a_path_no_route_matches_is_one_label(server):
    async with running_gateway(gateway_settings(), server) as client:
        await client.get("/wp-login.php")
        await client.get("/.env")
        text = (await client.get("/metrics")).text
    got = samples(text)
    unmatched = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert got[("agent_stream_http_requests_total", unmatched)] == 2
    assert "wp-login" not in text


async def test_fleet_values_come_from_redis(server):
    redis = fakeredis.FakeAsyncRedis(server=server)
    await redis.hset(keys.FEEDBACK_COUNTS, mapping={"up": 5, "down": 2})
    await redis.rpush(keys.TASK_QUEUE, "a", "b", "c")
    async with running_gateway(gateway_settings(), server) as client:
        got = samples((await client.get("/metrics")).text)
    assert got[("agent_stream_feedback_total", (("rating", "up"),))] == 5
    assert got[("agent_stream_feedback_total", (("rating", "down"),))] == 2
    assert got[("agent_stream_queue_depth", ())] == 3


async def test_without_redis_the_process_counts_still_come_through(server):
    async with running_gateway(gateway_settings(health_timeout_s=0.5), server) as client:
        await client.get("/ai/api/health/live")
        server.connected = False
        response = await client.get("/metrics")
        server.connected = True
    assert response.status_code == 200
    assert "agent_stream_http_requests_total" in response.text
    assert "agent_stream_queue_depth" not in response.text


async def test_the_metrics_route_is_not_in_the_public_api_schema(server):
    async with running_gateway(gateway_settings(), server) as client:
        schema = (await client.get("/ai/api/openapi.json", headers=HEADERS_A)).json()
    assert "/metrics" not in schema["paths"]


async def test_the_ui_files_are_counted_under_their_mount(server):
    async with running_gateway(gateway_settings(), server) as client:
        await client.get("/ai/static/assets/app.js")
        got = samples((await client.get("/metrics")).text)
    labels = {dict(k[1]).get("route") for k in got if k[0] == "agent_stream_http_requests_total"}
    assert "/ai/static/{path}" in labels


async def test_refusals_are_counted_by_the_limit_or_cause(server, worker):
    async with running_gateway(gateway_settings(key_rate_limit="1/minute"), server) as client:
        body = {"message": "hi"}
        first = await client.post("/ai/api/chat/stream", json=body, headers=HEADERS_A)
        limited = await client.post("/ai/api/chat/stream", json=body, headers=HEADERS_A)
        got = samples((await client.get("/metrics")).text)
    assert (first.status_code, limited.status_code) == (200, 429)
    assert got[("agent_stream_refusals_total", (("reason", "key_rate"),))] == 1


async def test_redis_errors_are_counted_as_refusals_for_redis(server):
    async with running_gateway(gateway_settings(health_timeout_s=0.5), server) as client:
        server.connected = False
        refused = await client.get("/ai/api/sessions", headers=HEADERS_A)
        server.connected = True
        got = samples((await client.get("/metrics")).text)
    assert refused.status_code == 503
    assert got[("agent_stream_refusals_total", (("reason", "redis"),))] == 1


async def test_each_relayed_event_is_counted_and_an_ended_stream_is_no_longer_open(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post("/ai/api/chat/stream", json={"message": "hi"}, headers=HEADERS_A)
        got = samples((await client.get("/metrics")).text)
    events = task_events(response.content)
    assert events[-1]["type"] == "complete"
    assert got[("agent_stream_events_relayed_total", ())] == len(events)
    assert got[("agent_stream_open_streams", ())] == 0
    assert got[("agent_stream_relay_lag_seconds_count", ())] >= 1
