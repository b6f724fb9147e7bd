"""The legitimate corpus (tests/corpora/legitimate.yaml): real analytics SQL must run on each database,
connected as the read-only role the README describes, and return what the database itself returns."""

from __future__ import annotations

from agent_service.tools.analytics.query import QueryError, ReadOnlyDatabase
from tests.analytics_db.conftest import corpus


def test_every_legitimate_query_runs_as_the_read_only_role(database):
    db = ReadOnlyDatabase(database.readonly_url, timeout_s=10)
    failures = []
    statements = corpus("legitimate", database.kind)
    try:
        for sql in statements:
            try:
                result = db.query(sql)
            except QueryError as exc:
                failures.append(f"{sql!r}: {exc}")
                continue
            if not result.columns:
                failures.append(f"{sql!r}: no columns")
    finally:
        db.close()
    print(f"{database.kind}: {len(statements) - len(failures)}/{len(statements)} legitimate queries ran")
    assert not failures, "\n".join(failures)


def test_trailing_string_literal_reaches_the_database_whole(database):
    db = ReadOnlyDatabase(database.readonly_url)
    try:
        result = db.query("SELECT COUNT(*) AS n FROM orders WHERE status = 'delivered'")
    finally:
        db.close()
    assert result.rows[0][0] == 3451


def test_percent_signs_are_sql_not_driver_format_directives(database):
    db = ReadOnlyDatabase(database.readonly_url)
    try:
        result = db.query("SELECT 10 % 3 AS r, COUNT(*) AS n FROM customers WHERE email LIKE '%@example.com'")
    finally:
        db.close()
    assert [float(v) for v in result.rows[0]] == [1.0, 500.0]
