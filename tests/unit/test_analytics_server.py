"""The analytics MCP server over a REAL stdio client (agents.mcp.MCPServerStdio + mcp_params), and the
read-only executor underneath it (the database itself refuses writes, not only the statement check)."""

from __future__ import annotations

import contextlib
import json

import pytest
from agents import Agent, Runner
from agents.mcp import MCPServerStdio
from agents.testing import ScriptedModel, assistant_message, function_call

from agent_service.config import Settings
from agent_service.tools.analytics import mcp_params
from agent_service.tools.analytics.query import QueryError, ReadOnlyDatabase
from agent_service.tools.analytics.sample_db import ensure_sample_db, table_counts
from agent_service.tools.analytics.statement import StatementError, check_read_only_statement


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    return ensure_sample_db(tmp_path_factory.mktemp("analytics") / "sample.db")


@contextlib.asynccontextmanager
async def analytics_server(sample_db, **overrides):
    settings = Settings(sample_db_path=sample_db, **overrides)
    async with MCPServerStdio(params=mcp_params(settings), client_session_timeout_seconds=60) as server:
        yield server


async def _call(server, tool: str, args: dict) -> tuple[bool, str]:
    result = await server.call_tool(tool, args)
    return bool(result.is_error), "".join(c.text for c in result.content)


async def test_list_tables_returns_every_sample_table_with_columns(sample_db):
    async with analytics_server(sample_db) as server:
        is_error, text = await _call(server, "list_tables", {})

    tables = {t["name"]: t["columns"] for t in json.loads(text)["tables"]}
    assert not is_error
    assert set(tables) == {"customers", "products", "orders", "order_items", "support_tickets"}
    assert "country" in tables["customers"]


async def test_describe_table_reports_columns_foreign_keys_and_row_count(sample_db):
    async with analytics_server(sample_db) as server:
        is_error, text = await _call(server, "describe_table", {"table": "orders"})

    described = json.loads(text)
    assert not is_error
    assert [c["name"] for c in described["columns"]] == ["id", "customer_id", "order_date", "status", "total"]
    assert described["foreign_keys"] == [{"columns": ["customer_id"], "references": "customers(id)"}]
    assert described["row_count"] == 5000


async def test_run_query_returns_columns_rows_and_count(sample_db):
    async with analytics_server(sample_db) as server:
        is_error, text = await _call(
            server,
            "run_query",
            {"sql": "SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status"},
        )

    result = json.loads(text)
    assert not is_error
    assert result["columns"] == ["status", "n"]
    assert result["row_count"] == len(result["rows"]) == 5
    assert sum(r[1] for r in result["rows"]) == 5000
    assert result["truncated"] is False


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE customers",
        "INSERT INTO products (name, category, price) VALUES ('x', 'y', 1)",
        "UPDATE orders SET total = 0",
        "SELECT 1; DELETE FROM orders",
    ],
)
async def test_write_statements_are_refused_and_data_is_unchanged(sample_db, sql):
    before = table_counts(sample_db)
    async with analytics_server(sample_db) as server:
        is_error, text = await _call(server, "run_query", {"sql": sql})

    assert is_error
    assert "read-only" in text or "one statement" in text
    assert table_counts(sample_db) == before


async def test_row_cap_returns_truncated_result(sample_db):
    async with analytics_server(sample_db, query_max_rows=7) as server:
        is_error, text = await _call(server, "run_query", {"sql": "SELECT id FROM customers"})

    result = json.loads(text)
    assert not is_error
    assert result["row_count"] == 7
    assert result["truncated"] is True


async def test_unknown_table_error_lists_available_tables(sample_db):
    async with analytics_server(sample_db) as server:
        is_error, text = await _call(server, "run_query", {"sql": "SELECT * FROM invoices"})

    assert is_error
    assert "no such table: invoices" in text
    assert "Available tables: customers, order_items, orders, products, support_tickets" in text


async def test_bad_sql_error_text_reaches_the_model_as_tool_output(sample_db):
    model = ScriptedModel(
        [
            [function_call("run_query", {"sql": "SELECT nope FROM orders"}, call_id="c1")],
            [assistant_message("seen")],
        ]
    )
    async with analytics_server(sample_db) as server:
        agent = Agent(name="t", mcp_servers=[server], model=model)
        result = await Runner.run(agent, "go")

    outputs = [
        i for i in model.last_call.input if isinstance(i, dict) and i.get("type") == "function_call_output"
    ]
    assert result.final_output == "seen"
    assert "no such column: nope" in json.dumps(outputs)
    assert "describe_table" in json.dumps(outputs)


def test_database_refuses_writes_even_without_the_statement_check(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}")
    try:
        for sql in (
            "DROP TABLE customers",
            "DELETE FROM orders",
            "PRAGMA query_only = OFF",
            f"ATTACH DATABASE '{sample_db}.other' AS other",
        ):
            with pytest.raises(QueryError):
                db.execute(sql)  # execute() skips check_read_only_statement on purpose
    finally:
        db.close()
    assert table_counts(sample_db)["orders"] == 5000


def test_write_hidden_behind_a_cte_is_refused_by_the_check_and_by_the_database(sample_db):
    sql = "WITH x AS (SELECT 1) INSERT INTO products (name, category, price) SELECT 'evil', 'x', 1 FROM x"
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}")
    try:
        with pytest.raises(QueryError, match="INSERT is not allowed"):
            db.query(sql)
        with pytest.raises(QueryError, match="read-only|not authorized"):
            db.execute(sql)
    finally:
        db.close()
    assert table_counts(sample_db)["products"] == 60


def test_slow_query_is_stopped_at_the_time_cap(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}", timeout_s=0.2)
    try:
        with pytest.raises(QueryError, match="longer than 0.2 s"):
            db.query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c")
    finally:
        db.close()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT ';' AS semicolon_in_a_string",
        "SELECT 1; -- a trailing comment",
        "/* leading comment */ SELECT 1;",
        "with t as (select 1) select * from t",
        "EXPLAIN SELECT 1",
    ],
)
def test_statement_check_accepts_single_read_statements(sql):
    assert check_read_only_statement(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "",
        "   ",
        "-- only a comment",
        "SELECT 1; SELECT 2",
        "DELETE FROM orders",
        "PRAGMA writable_schema = 1",
    ],
)
def test_statement_check_rejects_empty_stacked_and_write_statements(sql):
    with pytest.raises(StatementError):
        check_read_only_statement(sql)
