"""Validate, run, summarise, cache, on the real servers: run_query dry-runs with EXPLAIN and returns the
database's own error before anything runs; a valid query returns the whole result as structured content
(the client's) and a summary as text (the model's); schema lookups are cached in Redis per fingerprint."""

from __future__ import annotations

import json

import pytest
import redis
from mcp import Client
from sqlalchemy import create_engine, text

from agent_service.tools.analytics.query import ReadOnlyDatabase
from agent_service.tools.analytics.schemacache import SchemaCache
from agent_service.tools.analytics.server import build_server
from contract import keys


@pytest.fixture
def db(database):
    db = ReadOnlyDatabase(database.readonly_url)
    yield db
    db.close()


@pytest.fixture
def cache_redis(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield client
    client.close()


async def _run_query(server, sql: str):
    stages: list[str] = []

    async def progress(done, total, message):
        stages.append(message)

    async with Client(server) as client:
        result = await client.call_tool("run_query", {"sql": sql}, progress_callback=progress)
    return result, stages


async def test_a_query_the_database_rejects_fails_at_the_dry_run_with_its_error(db):
    result, stages = await _run_query(build_server(db), "SELECT nope FROM orders")
    message = result.content[0].text
    assert result.is_error
    assert "dry run (EXPLAIN) failed, so the query was not run" in message
    assert "nope" in message and "describe_table" in message
    assert stages == ["validating"]


async def test_a_valid_query_is_validated_then_run(db):
    sql = "SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status"
    result, stages = await _run_query(build_server(db), sql)
    assert not result.is_error and stages == ["validating", "querying"]
    full = result.structured_content
    assert full["sql"] == sql and full["columns"] == ["status", "n"] and full["row_count"] == 5
    assert sum(r[1] for r in full["rows"]) == 5000
    assert full["chart"] == {"kind": "bar", "x": "status", "y": ["n"]}
    assert json.loads(result.content[0].text) == {
        k: full[k] for k in ("columns", "rows", "row_count", "truncated")
    }


async def test_a_large_result_gives_the_model_a_summary_and_the_client_every_row(db):
    result, _ = await _run_query(build_server(db), "SELECT id, total FROM orders ORDER BY id")
    full, model = result.structured_content, json.loads(result.content[0].text)
    assert full["row_count"] == len(full["rows"]) == 200 and full["truncated"]
    assert model["row_count"] == 200 and len(model["rows"]) == 20 and model["rows"] == full["rows"][:20]
    assert model["stats"]["id"]["min"] == 1 and model["stats"]["id"]["max"] == 200


async def test_schema_lookups_are_served_from_redis_after_the_first(db, cache_redis):
    cache = SchemaCache(db, cache_redis)
    server = build_server(db, cache=cache)
    async with Client(server) as client:
        first = await client.call_tool("list_tables", {})
        second = await client.call_tool("list_tables", {})
        await client.call_tool("describe_table", {"table": "orders"})
        described = await client.call_tool("describe_table", {"table": "orders"})
    assert first.content[0].text == second.content[0].text
    assert json.loads(described.content[0].text)["row_count"] == 5000
    assert (cache.hits, cache.misses) == (2, 2)
    assert cache_redis.hgetall(keys.SCHEMA_CACHE_STATS) == {b"hits": b"2", b"misses": b"2"}
    assert cache_redis.exists(keys.schema_cache(cache.fingerprint(), "tables"))


def test_a_schema_change_changes_the_fingerprint(db, database):
    before = SchemaCache(db, None).fingerprint()
    engine = create_engine(database.admin_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE fingerprint_probe (id INTEGER PRIMARY KEY)"))
        after = SchemaCache(db, None).fingerprint()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE fingerprint_probe"))
    finally:
        engine.dispose()
    assert before != after


def test_without_redis_schema_lookups_still_answer(db):
    cache = SchemaCache(db, redis.Redis(port=1, socket_connect_timeout=0.5))  # nothing listens on port 1
    tables = cache.lookup("tables", lambda: ["orders"])
    assert tables == ["orders"] and (cache.hits, cache.misses) == (0, 1)
