"""Uploaded tables: a CSV a user attached becomes a table of that session only, in a read-only DuckDB
database under the same statement check; the worker stores it (size and count caps), the analytics
server reads it for the session a call's `_meta` names (real redis-server, real stdio MCP server)."""

from __future__ import annotations

import base64
import json

import pytest
from agents.mcp import MCPServerStdio

from agent_service.config import Settings
from agent_service.execution.inputparts import model_input
from agent_service.execution.uploads import SessionUploads
from agent_service.tools.analytics import mcp_params
from agent_service.tools.analytics.query import QueryError
from agent_service.tools.analytics.sample_db import ensure_sample_db
from agent_service.tools.analytics.uploaddb import UploadDatabase
from agent_service.tools.analytics.uploads import SESSION_META_KEY, UploadTables
from contract import ChatTask, keys
from contract.parts import size_text
from contract.uploads import UploadRecord, table_format, table_name

SALES = b"region,amount,day\n" + b"".join(
    b"r%d,%d,2024-01-%02d\n" % (i % 3, i * 10, i % 28 + 1) for i in range(42)
)
SESSION_A, SESSION_B = "aaaaaaaa" + "0" * 24, "bbbbbbbb" + "0" * 24


def _part(data: bytes, filename: str = "sales.csv", media_type: str = "text/csv") -> dict:
    return {
        "type": "file",
        "filename": filename,
        "media_type": media_type,
        "data": base64.b64encode(data).decode(),
    }


def _task(session: str, *parts: dict) -> ChatTask:
    return ChatTask(session_id=session, owner="o", message="q", parts=[{"type": "text", "text": "q"}, *parts])


@pytest.fixture
def sales_db(tmp_path) -> UploadDatabase:
    data = base64.b64encode(SALES).decode()
    record = UploadRecord(
        table="upload_sales", filename="sales.csv", media_type="text/csv", format="csv", size=len(SALES),
        sha256="x", uploaded_at=1.0, task_id="t",
    )  # fmt: skip
    return UploadDatabase.build(
        tmp_path, [record], {"upload_sales": data}, 1 << 20, max_rows=200, timeout_s=5, max_bytes=1 << 18
    )


def test_a_file_name_becomes_an_identifier_table_name():
    assert table_name("Sales 2024.csv") == "upload_sales_2024"
    assert table_name("..csv") == "upload_file"
    assert table_format("data.PARQUET", "application/octet-stream") == "parquet"
    assert table_format("report", "text/csv") == "csv"
    assert table_format("notes.pdf", "application/pdf") is None


def test_an_uploaded_csv_is_queried_with_detected_types(sales_db):
    result = sales_db.query("SELECT COUNT(*) AS n, SUM(amount) AS total FROM upload_sales")
    assert result.rows == [[42, sum(i * 10 for i in range(42))]]
    types = {c["name"]: c["type"] for c in sales_db.describe("upload_sales")["columns"]}
    assert types == {"region": "VARCHAR", "amount": "BIGINT", "day": "DATE"}


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_parquet('/tmp/x.parquet')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM '/etc/passwd'",
        'SELECT * FROM "/etc/passwd"',
        "SELECT * FROM duckdb_settings()",
        "SELECT * FROM main.upload_sales",
        "SELECT * FROM orders",
        "SELECT * FROM upload_sales, range(1000000000)",
        "COPY upload_sales TO '/tmp/out.csv'",
        "ATTACH '/tmp/other.duckdb' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "CREATE TABLE t AS SELECT * FROM upload_sales",
        "PRAGMA database_list",
        "SELECT getvariable('x')",
        "FROM read_csv('/etc/passwd')",
    ],
)
def test_the_guard_refuses_duckdb_file_access_writes_and_other_tables(sales_db, sql):
    with pytest.raises(QueryError):
        sales_db.query(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY upload_sales TO '/tmp/upload-out.csv'",
        "CREATE TABLE t AS SELECT 1",
        "SET enable_external_access = true",
        "INSTALL httpfs",
    ],
)
def test_the_engine_itself_refuses_files_and_writes_without_the_statement_check(sales_db, sql):
    with pytest.raises(QueryError):
        sales_db._run(sql)


def test_a_cte_over_the_uploaded_table_is_allowed(sales_db):
    sql = "WITH r AS (SELECT region, SUM(amount) AS s FROM upload_sales GROUP BY region) SELECT * FROM r ORDER BY s DESC"
    assert [row[0] for row in sales_db.query(sql).rows] == ["r2", "r1", "r0"]


async def test_the_worker_stores_a_csv_under_its_session_and_tells_the_model(real_redis):
    task = _task(SESSION_A, _part(SALES))
    notes = await SessionUploads(real_redis, Settings()).store(task)

    assert notes == [
        "[sales.csv is the table upload_sales for the analytics tools in this conversation: list_tables, "
        "describe_table and run_query see it.]"
    ]
    record = UploadRecord.model_validate_json(
        await real_redis.hget(keys.session_uploads(SESSION_A), "upload_sales")
    )
    assert (record.filename, record.size, record.format) == ("sales.csv", len(SALES), "csv")
    assert 0 < await real_redis.ttl(keys.session_upload_data(SESSION_A)) <= Settings().session_ttl_s
    assert model_input(task, ["text", "file"], notes)[0]["content"][-1] == {
        "type": "input_text",
        "text": notes[0],
    }


async def test_a_file_over_the_size_cap_is_not_stored_and_the_model_is_told(real_redis):
    notes = await SessionUploads(real_redis, Settings(upload_max_bytes=100)).store(
        _task(SESSION_A, _part(SALES))
    )

    assert notes == [
        f"[sales.csv was not loaded as a table: it is {size_text(len(SALES))}, over the 100 bytes limit "
        "for uploaded tables.]"
    ]
    assert not await real_redis.exists(keys.session_uploads(SESSION_A))


async def test_a_session_holds_at_most_upload_max_files_tables(real_redis):
    uploads = SessionUploads(real_redis, Settings(upload_max_files=2))
    await uploads.store(_task(SESSION_A, _part(SALES, "a.csv"), _part(SALES, "b.csv")))
    notes = await uploads.store(_task(SESSION_A, _part(SALES, "c.csv"), _part(SALES, "a.csv")))

    assert "already holds 2 uploaded tables" in notes[0]
    assert notes[1].startswith("[a.csv is the table upload_a")
    assert sorted(await real_redis.hkeys(keys.session_uploads(SESSION_A))) == ["upload_a", "upload_b"]


async def test_the_server_sees_a_sessions_tables_only_for_that_session(real_redis, redis_server):
    await SessionUploads(real_redis, Settings()).store(_task(SESSION_A, _part(SALES)))
    tables = UploadTables.from_env(
        {"REDIS_URL": redis_server.url}, max_rows=10, timeout_s=5, max_bytes=1 << 16
    )
    try:
        mine = tables.for_session(SESSION_A)
        assert mine is not None and mine.query("SELECT COUNT(*) FROM upload_sales").rows == [[42]]
        assert tables.for_session(SESSION_A) is mine  # cached: the same files
        assert tables.for_session(SESSION_B) is None
        assert tables.for_session(None) is None
    finally:
        tables.close()


async def test_a_changed_file_is_loaded_again(real_redis, redis_server):
    uploads = SessionUploads(real_redis, Settings())
    await uploads.store(_task(SESSION_A, _part(SALES)))
    tables = UploadTables.from_env(
        {"REDIS_URL": redis_server.url}, max_rows=10, timeout_s=5, max_bytes=1 << 16
    )
    try:
        first = tables.for_session(SESSION_A)
        await uploads.store(_task(SESSION_A, _part(b"region,amount\nx,1\n")))
        second = tables.for_session(SESSION_A)
        assert second is not first and second.query("SELECT COUNT(*) FROM upload_sales").rows == [[1]]
    finally:
        tables.close()


async def test_the_stdio_server_lists_and_queries_the_calling_sessions_upload(
    real_redis, redis_server, tmp_path
):
    await SessionUploads(real_redis, Settings()).store(_task(SESSION_A, _part(SALES)))
    settings = Settings(sample_db_path=ensure_sample_db(tmp_path / "sample.db"))
    params = mcp_params(settings, redis_server.url)
    async with MCPServerStdio(params=params, client_session_timeout_seconds=60) as server:
        listed = await server.call_tool("list_tables", {}, meta={SESSION_META_KEY: SESSION_A})
        other = await server.call_tool("list_tables", {}, meta={SESSION_META_KEY: SESSION_B})
        counted = await server.call_tool(
            "run_query", {"sql": "SELECT COUNT(*) AS n FROM upload_sales"}, meta={SESSION_META_KEY: SESSION_A}
        )
        refused = await server.call_tool(
            "run_query", {"sql": "SELECT COUNT(*) AS n FROM upload_sales"}, meta={SESSION_META_KEY: SESSION_B}
        )

    names = [t["name"] for t in json.loads(listed.content[0].text)["tables"]]
    assert "upload_sales" in names and "orders" in names
    assert "upload_sales" not in [t["name"] for t in json.loads(other.content[0].text)["tables"]]
    assert json.loads(counted.content[0].text)["rows"] == [[42]]
    assert refused.is_error and "upload_sales" in refused.content[0].text
