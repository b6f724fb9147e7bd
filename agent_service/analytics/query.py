"""The read-only SQL executor behind the analytics MCP tools (SQLAlchemy, sync engine, any dialect).

Why the database enforces read-only, and not only a statement check: text-to-SQL projects that guard with a
prefix/keyword filter are bypassed again and again (writable CTEs, `SELECT ... INTO`, stacked statements,
side-effecting functions). "The database says no, not a regex." So:
- SQLite: the file is opened through a `file:...?mode=ro` URI (the OS-level handle cannot write) and every
  connection also runs `PRAGMA query_only=ON`; sqlite3 itself refuses more than one statement per execute.
  Time cap: a progress handler aborts the statement after QUERY_TIMEOUT_S ("interrupted"). Size cap: no
  string/blob may exceed SQLITE_MAX_VALUE_BYTES (`SELECT randomblob(400000000)` fails instead of allocating).
- PostgreSQL: every new connection runs `SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY` and
  `SET statement_timeout` (committed, so they hold for the whole session: an injected `COMMIT` cannot leave
  read-only mode), and every query also runs in its own `SET TRANSACTION READ ONLY` transaction with
  `SET LOCAL statement_timeout`. With psycopg 3 (`postgresql+psycopg://`) the query is sent with the
  extended protocol, which the server refuses for more than one statement ("cannot insert multiple commands
  into a prepared statement"): SELECT/WITH through a server-side cursor (DECLARE ... streamed with
  fetchmany), EXPLAIN as a prepared statement. Other PostgreSQL drivers (psycopg2: simple protocol) rely on
  the statement check and the session-wide read-only mode; prefer psycopg 3.
  MySQL/MariaDB: `SET SESSION TRANSACTION READ ONLY` on connect + `max_execution_time`.
- Every dialect: the transaction is always rolled back, never committed; results are streamed (server-side
  cursor where the driver has one) and capped at QUERY_MAX_ROWS rows (+1 fetched to report `truncated`) and
  QUERY_MAX_BYTES bytes of JSON output (rows past the cap are dropped, `truncated: true`). Use a read-only
  database role in production as well.
`check_read_only_statement` (statement.py) runs first as defence in depth and for clearer error messages.

Errors become `QueryError` with a message a model can act on (e.g. the list of available tables after
"no such table"); the MCP layer turns them into ToolError.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from agent_service.analytics.statement import StatementError, check_read_only_statement

SQLITE_MAX_VALUE_BYTES = 1_000_000
"""SQLITE_LIMIT_LENGTH on every connection: the largest string or blob a query may build or read."""
DEFAULT_MAX_BYTES = 256 * 1024
"""Default cap on the JSON a query returns (QUERY_MAX_BYTES): it goes to Redis and into the model's context."""
FETCH_BATCH = 50
_JSON_ENVELOPE_SLACK = 100  # '"rows": [], "row_count": N, "truncated": false' and separators


class QueryError(Exception):
    """A query or schema lookup failed; `str(err)` is meant for the model."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool

    def to_json(self) -> str:
        return json.dumps(
            {
                "columns": self.columns,
                "rows": self.rows,
                "row_count": len(self.rows),
                "truncated": self.truncated,
            },
            default=_json_value,
        )


class ReadOnlyDatabase:
    """One SQLAlchemy engine over `url`, used only for reading (see the module docstring for how)."""

    def __init__(
        self, url: str, *, max_rows: int = 200, timeout_s: float = 10, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.max_rows = max_rows
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.engine = _read_only_engine(url, timeout_s=timeout_s)
        self.dialect = self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def table_names(self) -> list[str]:
        try:
            return sorted(inspect(self.engine).get_table_names())
        except SQLAlchemyError as exc:
            raise QueryError(f"cannot read the schema: {_reason(exc)}") from exc

    def overview(self) -> list[dict[str, Any]]:
        """Every table with its column names (no row counts: COUNT(*) can be expensive on big tables)."""
        try:
            insp = inspect(self.engine)
            return [
                {"name": t, "columns": [c["name"] for c in insp.get_columns(t)]} for t in self.table_names()
            ]
        except SQLAlchemyError as exc:
            raise QueryError(f"cannot read the schema: {_reason(exc)}") from exc

    def describe(self, table: str) -> dict[str, Any]:
        """Columns (name, type, nullable, primary_key), foreign keys and the row count of `table`."""
        insp = inspect(self.engine)
        try:
            columns = insp.get_columns(table)
            pk = set(insp.get_pk_constraint(table).get("constrained_columns") or [])
            fks = insp.get_foreign_keys(table)
        except NoSuchTableError as exc:
            raise QueryError(
                f"no such table: {table}. Available tables: {', '.join(self.table_names())}"
            ) from exc
        quoted = self.engine.dialect.identifier_preparer.quote(table)
        count = self.query(f"SELECT COUNT(*) AS n FROM {quoted}").rows[0][0]
        return {
            "table": table,
            "row_count": count,
            "columns": [
                {
                    "name": c["name"],
                    "type": str(c["type"]),
                    "nullable": bool(c.get("nullable", True)),
                    "primary_key": c["name"] in pk,
                }
                for c in columns
            ],
            "foreign_keys": [
                {
                    "columns": fk["constrained_columns"],
                    "references": f"{fk['referred_table']}({', '.join(fk['referred_columns'])})",
                }
                for fk in fks
            ],
        }

    def query(self, sql: str) -> QueryResult:
        """Check that `sql` is one read statement, then execute it read-only."""
        try:
            sql = check_read_only_statement(sql, self.dialect)
        except StatementError as exc:
            raise QueryError(str(exc)) from exc
        return self.execute(sql)

    def execute(self, sql: str) -> QueryResult:
        """Execute `sql` in a read-only, rolled-back transaction. No statement check: the database guards."""
        driver_error = getattr(self.engine.dialect.dbapi, "Error", DBAPIError)
        try:
            with self.engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                self._begin_read_only(conn, raw)
                try:
                    if self.dialect == "postgresql" and self.engine.dialect.driver == "psycopg":
                        columns, rows, truncated = self._fetch_psycopg(raw, sql)
                    else:
                        columns, rows, truncated = self._fetch_sqlalchemy(conn, sql)
                finally:
                    if isinstance(raw, sqlite3.Connection):
                        raw.set_progress_handler(None, 0)
                    conn.rollback()
        except DBAPIError as exc:
            raise QueryError(self._explain(_reason(exc))) from exc
        except SQLAlchemyError as exc:
            raise QueryError(_reason(exc)) from exc
        except driver_error as exc:  # raw driver cursor (psycopg 3 path)
            raise QueryError(self._explain(_first_line(str(exc)))) from exc
        return QueryResult(columns=columns, rows=rows, truncated=truncated)

    def _fetch_sqlalchemy(self, conn, sql: str) -> tuple[list[str], list[list[Any]], bool]:
        # stream_results: a server-side cursor where the driver has one (psycopg2 named cursor, MySQL SSCursor),
        # so fetchmany does not buffer the whole result. PostgreSQL DECLARE cannot wrap EXPLAIN.
        stream = not (self.dialect == "postgresql" and _first_keyword(sql) == "EXPLAIN")
        cursor = conn.execution_options(stream_results=stream).exec_driver_sql(sql)
        try:
            if not cursor.returns_rows:
                return [], [], False
            columns = list(cursor.keys())
            rows, truncated = self._collect(columns, cursor.fetchmany)
            return columns, rows, truncated
        finally:
            cursor.close()

    def _fetch_psycopg(self, raw, sql: str) -> tuple[list[str], list[list[Any]], bool]:
        # Extended protocol only: the server refuses more than one statement, so nothing can be stacked.
        if _first_keyword(sql) == "EXPLAIN":
            cur = raw.cursor()
            cur.execute(sql, prepare=True)
        else:
            cur = raw.cursor(
                name="analytics_query"
            )  # DECLARE ... CURSOR: streamed, sent with the extended protocol
            cur.execute(sql)
        try:
            if cur.description is None:
                return [], [], False
            columns = [d.name for d in cur.description]
            rows, truncated = self._collect(columns, cur.fetchmany)
            return columns, rows, truncated
        finally:
            cur.close()

    def _collect(self, columns: list[str], fetchmany) -> tuple[list[list[Any]], bool]:
        """Fetch in batches until QUERY_MAX_ROWS rows or QUERY_MAX_BYTES of JSON; (rows, truncated)."""
        budget = self.max_bytes - len(json.dumps({"columns": columns})) - _JSON_ENVELOPE_SLACK
        rows: list[list[Any]] = []
        while True:
            batch = fetchmany(FETCH_BATCH)
            if not batch:
                return rows, False
            for row in batch:
                if len(rows) >= self.max_rows:
                    return rows, True
                row = list(row)
                budget -= len(json.dumps(row, default=_json_value)) + 2  # ", " separator
                if budget < 0:
                    return rows, True
                rows.append(row)

    def _begin_read_only(self, conn, raw) -> None:
        if isinstance(raw, sqlite3.Connection):
            deadline = time.monotonic() + self.timeout_s
            raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        elif self.dialect == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(self.timeout_s * 1000)}")
        elif self.dialect in ("mysql", "mariadb"):
            conn.exec_driver_sql(f"SET SESSION max_execution_time = {int(self.timeout_s * 1000)}")

    def _explain(self, reason: str) -> str:
        if re.search(r"string or blob too big", reason, re.I):
            return (
                f"{reason}: a value in the query exceeds the {SQLITE_MAX_VALUE_BYTES:,} byte limit; "
                "select shorter values (substr, length) instead"
            )
        if re.search(r"interrupted|statement timeout|canceling statement|max_execution_time", reason, re.I):
            return (
                f"the query took longer than {self.timeout_s:g} s and was stopped; "
                "add filters, aggregate, or use LIMIT"
            )
        if (
            re.search(r"no such table|does not exist|doesn't exist|undefinedtable", reason, re.I)
            and "column" not in reason
        ):
            return f"{reason}. Available tables: {', '.join(self.table_names())}"
        if re.search(r"no such column|column .* does not exist|unknown column", reason, re.I):
            return f"{reason}. Call describe_table(table) to see the columns of a table."
        if re.search(r"readonly|read-only|read only|query_only|not authorized", reason, re.I):
            return f"{reason}. This database is read-only: only SELECT queries are allowed."
        return reason


def _read_only_engine(url: str, *, timeout_s: float = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = parsed.database
        engine = create_engine(
            "sqlite+pysqlite://",
            creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False),
            poolclass=QueuePool,
            pool_size=8,
            max_overflow=16,
        )

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_conn, _record) -> None:
            dbapi_conn.execute("PRAGMA query_only = ON")
            dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_VALUE_BYTES)
            dbapi_conn.set_authorizer(_sqlite_authorizer)

        return engine
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        # MySQL's READ ONLY applies to the next transaction when set at session level before BEGIN.
        engine = create_engine(url, pool_pre_ping=True)

        @event.listens_for(engine, "connect")
        def _mysql_read_only(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            cur.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True)
    if parsed.get_backend_name() == "postgresql":
        event.listen(engine, "connect", _session_setup(postgres_session_sql(timeout_s)))
    return engine


def postgres_session_sql(timeout_s: float) -> list[str]:
    """What every new PostgreSQL connection runs (and commits): read-only and a time cap for the whole
    session, so a `COMMIT` that slipped into a query cannot leave read-only mode."""
    return [
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        f"SET statement_timeout = {int(timeout_s * 1000)}",
    ]


def _session_setup(statements: list[str]):
    """A `connect` event hook running `statements` on the new DBAPI connection, then committing (a SET in a
    transaction that is rolled back, as the pool does on check-in, would be undone)."""

    def hook(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        try:
            for statement in statements:
                cur.execute(statement)
        finally:
            cur.close()
        dbapi_conn.commit()

    return hook


def _sqlite_authorizer(action: int, arg1, arg2, _db, _trigger) -> int:
    """Deny what could undo the read-only setup: ATTACH/DETACH and switching `query_only` off."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() == "query_only" and arg2 is not None:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _reason(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return _first_line(str(orig) if orig is not None else str(exc))


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else text


def _first_keyword(sql: str) -> str:
    first = re.match(r"\s*\(*\s*([A-Za-z]+)", sql)
    return first.group(1).upper() if first else ""


def _json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return str(value)
