"""Guards of the analytics executor that need no database server: the statement scanner against stacked-statement
bypasses (backslash escapes, dollar quotes, comments), the PostgreSQL session setup, and the size caps."""

from __future__ import annotations

import json

import pytest
from agents.mcp import MCPServerStdio

from agent_service.analytics import mcp_params
from agent_service.analytics.query import (
    SQLITE_MAX_VALUE_BYTES,
    QueryError,
    ReadOnlyDatabase,
    _session_setup,
    postgres_session_sql,
)
from agent_service.analytics.sample_db import ensure_sample_db
from agent_service.analytics.statement import StatementError, check_read_only_statement
from agent_service.config import Settings

DIALECTS = [None, "postgresql", "mysql", "sqlite"]
BYPASS = r"SELECT E'\''; COMMIT; DROP TABLE orders; SELECT E'\'' AS q"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    return ensure_sample_db(tmp_path_factory.mktemp("analytics_guards") / "sample.db")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        (BYPASS, "backslash"),
        (r"SELECT e'\\'; DROP TABLE orders; SELECT ''", "backslash"),
        (r"SELECT 'a\'; DROP TABLE orders; -- '", "backslash"),  # MySQL backslash string
        (r"SELECT U&'\0041'; DROP TABLE orders", "backslash"),
        (r'SELECT "a\"; DROP TABLE orders; -- "', "backslash"),
        ("SELECT $$;$$", "dollar-quoted"),
        ("SELECT $tag$ ' $tag$; DROP TABLE orders; SELECT ''", "dollar-quoted"),
        ("SELECT 1 /* /* */ ' */ ; DROP TABLE orders; SELECT ''", "nested"),
        ("SELECT 1 /*!; DROP TABLE orders */", "executable comments"),
        ("SELECT 1 /* ; DROP TABLE orders", "unterminated"),
        ("SELECT 'abc", "unterminated"),
        ("SELECT 1 -- hidden\n; DROP TABLE orders", "one statement"),
        ("SELECT 1 /* ; */ ; DROP TABLE orders", "one statement"),
    ],
)
def test_scanner_refuses_stacked_statement_bypasses(sql, reason, dialect):
    with pytest.raises(StatementError, match=reason):
        check_read_only_statement(sql, dialect)


def test_backslash_refusal_tells_the_model_what_to_write_instead():
    with pytest.raises(StatementError, match=r"without a backslash.*'it''s'"):
        check_read_only_statement(BYPASS, "postgresql")


@pytest.mark.parametrize(
    ("sql", "dialect"),
    [
        ("SELECT 1 # '\n; DROP TABLE orders", "mysql"),  # '#' is a MySQL line comment
        ("SELECT 1 --'\n'; DROP TABLE orders; -- '", "mysql"),  # '--' + no space is no MySQL comment
        ("SELECT a[ ']' ]; DROP TABLE orders; SELECT '", "postgresql"),  # '[' is a subscript, not a quote
    ],
)
def test_scanner_follows_dialect_specific_comment_and_quote_rules(sql, dialect):
    with pytest.raises(StatementError):
        check_read_only_statement(sql, dialect)


@pytest.mark.parametrize(
    ("sql", "dialect"),
    [
        ("SELECT 'it''s' AS q", "postgresql"),
        ("SELECT E'plain' AS q", "postgresql"),
        ("SELECT data #>> '{a,b}' FROM t", "postgresql"),  # '#' is an operator on PostgreSQL
        ("SELECT arr[1] FROM t", "postgresql"),
        ("SELECT $1", "postgresql"),
        ("SELECT a$b$ FROM t", "postgresql"),
        ("SELECT [order] FROM t", "sqlite"),
        ("SELECT 1 /* note */ -- tail", None),
        ("SELECT 5 --3\n", "mysql"),
    ],
)
def test_scanner_accepts_ordinary_single_statements(sql, dialect):
    assert check_read_only_statement(sql, dialect)


def test_postgres_session_setup_makes_read_only_and_timeout_hold_for_the_session():
    assert postgres_session_sql(2.5) == [
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        "SET statement_timeout = 2500",
    ]

    class FakeCursor:
        def __init__(self, log):
            self.log = log

        def execute(self, sql):
            self.log.append(sql)

        def close(self):
            self.log.append("close")

    class FakeConnection:
        def __init__(self):
            self.log: list[str] = []

        def cursor(self):
            return FakeCursor(self.log)

        def commit(self):
            self.log.append("commit")

    conn = FakeConnection()
    _session_setup(postgres_session_sql(10))(conn, None)
    # committed: a SET inside a transaction the pool rolls back would be undone
    assert conn.log == [*postgres_session_sql(10), "close", "commit"]


def test_postgres_engine_runs_the_session_setup_on_connect():
    pytest.importorskip("psycopg")
    db = ReadOnlyDatabase(
        "postgresql+psycopg://nobody@127.0.0.1:1/none"
    )  # creating the engine never connects
    try:
        hooks = [fn for fn in db.engine.pool.dispatch.connect if getattr(fn, "__name__", "") == "hook"]
        assert len(hooks) == 1
        assert hooks[0].__qualname__.startswith("_session_setup")
    finally:
        db.close()


def test_sqlite_value_beyond_the_length_cap_is_refused(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}")
    try:
        assert db.query(f"SELECT length(randomblob({SQLITE_MAX_VALUE_BYTES})) AS n").rows == [
            [SQLITE_MAX_VALUE_BYTES]
        ]
        with pytest.raises(QueryError, match=r"too big.*byte limit"):
            db.query("SELECT length(randomblob(400000000))")
    finally:
        db.close()


def test_huge_result_is_truncated_under_the_byte_cap(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}", max_rows=200, max_bytes=64 * 1024)
    try:
        result = db.query("SELECT hex(randomblob(100000)) AS h FROM customers LIMIT 50")
        small = db.query("SELECT id FROM customers ORDER BY id LIMIT 3")
    finally:
        db.close()
    assert result.truncated is True
    assert len(result.to_json()) <= 64 * 1024
    assert result.rows == []  # one 200 KB row alone exceeds the cap
    assert small.truncated is False and small.rows == [[1], [2], [3]]


def test_byte_cap_keeps_the_rows_that_fit(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}", max_rows=200, max_bytes=10_000)
    try:
        result = db.query("SELECT id, hex(randomblob(500)) AS h FROM customers")
    finally:
        db.close()
    assert result.truncated is True
    assert 5 <= len(result.rows) < 10
    assert len(result.to_json()) <= 10_000


async def test_query_max_bytes_reaches_the_server_through_the_mcp_env(sample_db):
    params = mcp_params(Settings(sample_db_path=sample_db))
    assert params["env"]["QUERY_MAX_BYTES"]
    params["env"]["QUERY_MAX_BYTES"] = "5000"
    async with MCPServerStdio(params=params, client_session_timeout_seconds=60) as server:
        result = await server.call_tool("run_query", {"sql": "SELECT * FROM customers"})
        blob = await server.call_tool("run_query", {"sql": "SELECT randomblob(2000000)"})

    text = "".join(c.text for c in result.content)
    assert not result.is_error
    assert len(text) <= 5000
    assert json.loads(text)["truncated"] is True
    assert blob.is_error
    assert "byte limit" in "".join(c.text for c in blob.content)
