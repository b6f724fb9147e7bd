"""Probes, the UI mount and the UI's config."""

from __future__ import annotations

import json

import fakeredis
from gateway_fixtures import gateway_settings, running_gateway

from contract import keys


async def test_health_reports_live_workers_queue_depth_and_models(server):
    redis = fakeredis.FakeAsyncRedis(server=server)
    await redis.sadd(keys.WORKERS, "w1", "w2", "dead")
    await redis.set(keys.heartbeat("w1"), json.dumps({"pid": 1, "model_provider": "demo"}), ex=10)
    await redis.set(keys.heartbeat("w2"), json.dumps({"pid": 2, "model_provider": "openai"}), ex=10)
    await redis.rpush(keys.TASK_QUEUE, "a", "b", "c")
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.get("/ai/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy" and body["redis_status"] == "ok"
    assert body["workers_alive"] == 2
    assert body["queue_depth"] == 3
    assert body["models"] == ["demo", "openai"]
    assert body["version"]


async def test_health_is_503_when_redis_is_unreachable(server):
    async with running_gateway(gateway_settings(), server) as client:
        server.connected = False
        response = await client.get("/ai/api/health")
        live = await client.get("/ai/api/health/live")
        server.connected = True
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["redis_status"].startswith("error: ")
    assert live.status_code == 200


async def test_readiness_fails_at_once_when_draining(server):
    async with running_gateway(gateway_settings(), server) as client:
        before = await client.get("/ai/api/health/ready")
        client.app.state.lifecycle.begin_drain()
        after = await client.get("/ai/api/health/ready")
    assert before.status_code == 200
    assert after.status_code == 503
    assert after.json() == {"status": "draining"}


async def test_root_redirects_to_the_ui(server):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["Location"] == "/ai/static/"


async def test_missing_ui_build_serves_a_placeholder(server, tmp_path):
    async with running_gateway(gateway_settings(tmp_path), server) as client:
        response = await client.get("/ai/static/")
    assert response.status_code == 200
    assert "not built" in response.text


async def test_ui_assets_are_immutable_and_index_is_revalidated(server, tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>chat</title>")
    (dist / "assets" / "app-abc123.js").write_text("console.log(1)")
    async with running_gateway(gateway_settings(tmp_path), server) as client:
        index = await client.get("/ai/static/")
        asset = await client.get("/ai/static/assets/app-abc123.js")
        missing = await client.get("/ai/static/assets/nope.js")
    assert index.status_code == 200 and "chat" in index.text
    assert index.headers["Cache-Control"] == "no-cache"
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert missing.status_code == 404


async def test_ui_config_names_the_key_hint_without_a_key(server):
    async with running_gateway(gateway_settings(ui_api_key_hint="demo-key"), server) as client:
        response = await client.get("/ai/api/ui-config")
    assert response.status_code == 200
    assert response.json()["api_key_hint"] == "demo-key"


async def test_ui_config_has_no_key_hint_by_default(server):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.get("/ai/api/ui-config")
    assert response.json() == {
        "api_key_hint": None,
        "tokens": False,
        "demo_token": None,
        "upload_max_bytes": 2 * 1024 * 1024,
    }


async def test_ui_config_names_the_upload_size_limit(server):
    async with running_gateway(gateway_settings(upload_max_bytes=1000), server) as client:
        response = await client.get("/ai/api/ui-config")
    assert response.json()["upload_max_bytes"] == 1000


async def test_health_warns_loudly_when_a_worker_serves_an_unsafe_database_role(server):
    redis = fakeredis.FakeAsyncRedis(server=server)
    await redis.sadd(keys.WORKERS, "w1", "w2")
    unsafe = {"model_provider": "demo", "database_role_warnings": ["is a superuser"]}
    await redis.set(keys.heartbeat("w1"), json.dumps(unsafe), ex=10)
    await redis.set(keys.heartbeat("w2"), json.dumps({"model_provider": "demo"}), ex=10)
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.get("/ai/api/health")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert len(body["warnings"]) == 1
    assert body["warnings"][0].startswith("UNSAFE DATABASE ROLE: worker w1")
    assert "is a superuser" in body["warnings"][0] and "DATABASE_ALLOW_UNSAFE_ROLE" in body["warnings"][0]
    workers = {w["worker_id"]: w["database_role_warnings"] for w in body["workers"]}
    assert workers == {"w1": ["is a superuser"], "w2": []}


async def test_health_reports_the_schema_cache_hit_rate(server):
    redis = fakeredis.FakeAsyncRedis(server=server)
    async with running_gateway(gateway_settings(), server) as client:
        before = (await client.get("/ai/api/health")).json()["schema_cache"]
        await redis.hset(keys.SCHEMA_CACHE_STATS, mapping={"hits": 3, "misses": 1})
        after = (await client.get("/ai/api/health")).json()
    assert before == {"hits": 0, "misses": 0, "hit_rate": None}
    assert after["schema_cache"] == {"hits": 3, "misses": 1, "hit_rate": 0.75}
    assert after["status"] == "healthy" and after["warnings"] == []
