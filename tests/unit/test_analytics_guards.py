"""Guards of the analytics executor that need no database server: the sqlglot statement check (what it
refuses, and that the SQL it sends is the SQL it checked), the driver policy, the deadline, and the SQLite
caps. The same guards on real PostgreSQL and MariaDB: tests/analytics_db/."""

from __future__ import annotations

import json
import time

import pytest
from agents.mcp import MCPServerStdio

from agent_service.config import Settings
from agent_service.tools.analytics import mcp_params
from agent_service.tools.analytics.deadline import Deadline
from agent_service.tools.analytics.engines import postgres_session_sql, supported_url
from agent_service.tools.analytics.functions import (
    MYSQL_FUNCTIONS,
    SQLITE_FUNCTIONS,
    postgres_allowed_functions,
)
from agent_service.tools.analytics.query import QueryError, ReadOnlyDatabase
from agent_service.tools.analytics.sample_db import ensure_sample_db
from agent_service.tools.analytics.statement import StatementError, check_read_only_statement

DIALECTS = ["postgresql", "mysql", "mariadb", "sqlite"]
PG_FUNCTIONS = postgres_allowed_functions(["count", "sum", "lower", "pg_sleep", "pg_read_file", "now"])
BIG_VALUE = (  # 999,100 characters built from allow-listed functions only
    "replace(replace(replace(replace(printf('%1000c', 'x'), ' ', 'xxxxxxxxxx'), 'x', 'yyyyyyyyyy'), 'y', 'zz'),"
    " 'z', 'wwwww')"
)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    return ensure_sample_db(tmp_path_factory.mktemp("analytics_guards") / "sample.db")


def functions_for(dialect: str) -> frozenset[str]:
    return {"postgresql": PG_FUNCTIONS, "sqlite": SQLITE_FUNCTIONS}.get(dialect, MYSQL_FUNCTIONS)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SELECT 1; DELETE FROM orders", "one statement"),
        ("SELECT 1 -- hidden\n; DELETE FROM orders", "one statement"),
        ("SELECT 1 --\r; COMMIT; DELETE FROM orders; SELECT 2 --\nAS x", "one statement"),
        ("WITH d AS (DELETE FROM orders RETURNING id) SELECT * FROM d", "DELETE is not allowed"),
        ("SELECT * INTO evil FROM orders", "INTO"),
        ("SELECT * FROM orders FOR UPDATE", "locking"),
        ("EXPLAIN ANALYZE SELECT 1", "ANALYZE"),
        ("SET statement_timeout = 0", "got SET"),
        ("CALL p()", "got CALL"),
        ("COPY orders TO '/tmp/x'", "got COPY"),
        ("SELECT * FROM pg_read_file('/etc/passwd')", "pg_read_file"),
        ("SELECT evil.lower(name) FROM customers", "schema-qualified"),
        ("", "empty"),
        ("-- nothing", "only comments"),
    ],
)
def test_check_refuses_what_is_not_one_read_only_select(sql, reason, dialect):
    with pytest.raises(StatementError, match=reason):
        check_read_only_statement(sql, dialect, functions_for(dialect))


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SELECT 1 /*M! , sleep(5) */", "executable comments"),
        ("SELECT 1 /*!50000 , sleep(5) */", "executable comments"),
        ("SELECT * FROM orders INTO OUTFILE '/tmp/x'", "OUTFILE"),
        ("SELECT 1 INTO @x", "INTO"),
        ("SELECT @x := 1", "user variables"),
        ("SELECT sleep(5)", "sleep"),
        ("SELECT get_lock('a', 0)", "get_lock"),
        ("SELECT load_file('/etc/passwd')", "load_file"),
        ("SELECT * FROM orders LOCK IN SHARE MODE", "locking"),
        ("SET STATEMENT max_statement_time = 0 FOR SELECT 1", "got SET"),
    ],
)
def test_check_refuses_mariadb_side_channels(sql, reason, dialect):
    with pytest.raises(StatementError, match=reason):
        check_read_only_statement(sql, dialect, MYSQL_FUNCTIONS)


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SELECT fts3_tokenizer('simple')", "fts3_tokenizer"),
        ("SELECT load_extension('x')", "load_extension"),
        ("SELECT length(printf('%.*c', 900000000, 'x'))", "printf"),
        ("SELECT printf('%900000000c', 'x')", "printf"),
    ],
)
def test_check_refuses_sqlite_functions_off_the_allow_list(sql, reason):
    with pytest.raises(StatementError, match=reason):
        check_read_only_statement(sql, "sqlite", SQLITE_FUNCTIONS)


def test_volatile_postgres_functions_fall_out_of_the_allow_list():
    assert {"count", "lower", "now"} <= PG_FUNCTIONS
    assert "pg_sleep" not in PG_FUNCTIONS and "pg_read_file" not in PG_FUNCTIONS  # pg_* refused by name too


@pytest.mark.parametrize("dialect", DIALECTS)
def test_trailing_string_literal_reaches_the_database_whole(dialect):
    sql = check_read_only_statement("SELECT status FROM orders WHERE status = 'paid'", dialect)
    assert sql.endswith("'paid'")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sent_sql_has_no_comments_and_keeps_literal_text(dialect):
    sql = check_read_only_statement("SELECT 'a;b -- c' AS x /* note */ -- tail", dialect)
    assert "note" not in sql and "tail" not in sql
    assert "'a;b -- c'" in sql


@pytest.mark.parametrize(
    ("sql", "dialect"),
    [
        ("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) FROM orders", "postgresql"),
        ("SELECT count(*) FILTER (WHERE total > 1) FROM orders", "postgresql"),
        ("EXPLAIN (FORMAT JSON) SELECT * FROM orders", "postgresql"),
        ("EXPLAIN FORMAT=JSON SELECT * FROM orders", "mariadb"),
        ("EXPLAIN QUERY PLAN SELECT * FROM orders", "sqlite"),
        ("SELECT DATE_FORMAT(order_date, '%Y-%m'), 10 % 3 FROM orders WHERE status LIKE 'de%'", "mariadb"),
        ("SELECT name FROM customers WHERE name REGEXP '^A'", "mariadb"),
        ("SELECT [name] FROM customers", "sqlite"),
    ],
)
def test_check_accepts_real_analytics_sql(sql, dialect):
    assert check_read_only_statement(sql, dialect, functions_for(dialect) | {"percentile_cont"})


def test_mariadb_regexp_is_sent_as_the_operator_mariadb_knows():
    assert "REGEXP '^A'" in check_read_only_statement("SELECT 1 FROM t WHERE a REGEXP '^A'", "mariadb")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg2://u@h/db", "only psycopg is supported"),
        ("mysql+mysqldb://u@h/db", "only pymysql is supported"),
        ("mssql+pyodbc://u@h/db", "do not support"),
    ],
)
def test_unsupported_drivers_are_refused_with_what_to_write(url, message):
    with pytest.raises(ValueError, match=message):
        supported_url(url)


def test_urls_without_a_driver_get_the_supported_one():
    assert supported_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert supported_url("mariadb://u@h/db").startswith("mariadb+pymysql://")


def test_postgres_session_is_read_only_with_standard_strings():
    setup = postgres_session_sql(2.5)
    assert "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY" in setup
    assert "SET standard_conforming_strings = on" in setup


def test_deadline_cancels_repeatedly_until_the_call_returns():
    calls = []
    with Deadline(0.05, lambda: calls.append(time.monotonic())) as deadline:
        time.sleep(0.7)
    assert deadline.fired and len(calls) >= 2


def test_deadline_never_cancels_a_query_that_finished_in_time():
    calls = []
    with Deadline(5, lambda: calls.append(1)):
        pass
    assert calls == []


def test_expensive_sqlite_function_calls_are_stopped_at_the_time_cap(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}", timeout_s=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(QueryError, match="longer than 0.5 s"):
            db.query("SELECT count(*) FROM order_items a, order_items b WHERE a.id * b.id = -1")
    finally:
        db.close()
    assert time.monotonic() - started < 1.5


def test_sqlite_value_beyond_the_length_cap_is_refused(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}")
    try:
        with pytest.raises(QueryError, match=r"too big.*byte limit"):
            db.query(f"SELECT length({BIG_VALUE} || {BIG_VALUE})")
    finally:
        db.close()


def test_huge_result_is_truncated_under_the_byte_cap(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}", max_rows=200, max_bytes=64 * 1024)
    try:
        result = db.query(f"SELECT substr({BIG_VALUE}, 1, 100000) AS h FROM customers LIMIT 50")
        small = db.query("SELECT id FROM customers ORDER BY id LIMIT 3")
    finally:
        db.close()
    assert result.truncated is True
    assert len(json.dumps(result.to_dict())) <= 64 * 1024
    assert result.rows == []  # one 100 KB row alone exceeds the cap
    assert small.truncated is False and small.rows == [[1], [2], [3]]


def test_byte_cap_keeps_the_rows_that_fit(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}", max_rows=200, max_bytes=10_000)
    try:
        result = db.query("SELECT id, printf('%1000c', 'x') AS h FROM customers")
    finally:
        db.close()
    assert result.truncated is True
    assert 5 <= len(result.rows) < 10
    assert len(json.dumps(result.to_dict())) <= 10_000


def test_column_names_count_against_the_byte_cap(sample_db):
    db = ReadOnlyDatabase(f"sqlite:///{sample_db}", max_bytes=500)
    alias = "c" * 100
    try:
        with pytest.raises(QueryError, match="column names"):
            db.query("SELECT " + ", ".join(f"1 AS {alias}{i}" for i in range(5)))
    finally:
        db.close()


async def test_query_max_bytes_reaches_the_server_through_the_mcp_env(sample_db):
    params = mcp_params(Settings(sample_db_path=sample_db))
    assert params["env"]["QUERY_MAX_BYTES"]
    params["env"]["QUERY_MAX_BYTES"] = "5000"
    async with MCPServerStdio(params=params, client_session_timeout_seconds=60) as server:
        result = await server.call_tool("run_query", {"sql": "SELECT * FROM customers"})
        blob = await server.call_tool("run_query", {"sql": f"SELECT {BIG_VALUE} || {BIG_VALUE}"})

    text = "".join(c.text for c in result.content)
    assert not result.is_error
    assert len(text) <= 5000
    assert json.loads(text)["truncated"] is True
    assert blob.is_error
    assert "byte limit" in "".join(c.text for c in blob.content)
