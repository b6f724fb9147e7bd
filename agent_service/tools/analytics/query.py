"""The read-only SQL executor behind the analytics MCP tools (SQLite, PostgreSQL, MariaDB/MySQL).

Layers, each enough on its own against the attacks it is named for, so that one mistake is not a breach:
1. The statement check (statement.py): sqlglot parses the SQL in the database's dialect, refuses anything
   but one SELECT/WITH/EXPLAIN and every function not on the allow-list (functions.py), and the SQL sent is
   generated from the checked tree (no comments, no stacked statements, no parser differentials).
2. The session (engines.py): read-only SQLite file and `query_only`; PostgreSQL and MariaDB sessions set
   read-only on connect, and every query runs in its own read-only transaction that is rolled back.
3. The role (roles.py): at start-up the server refuses a connection that can write or reach files.
4. The caps: a client-side deadline for the whole query that cancels it on the server (deadline.py), and
   rows fetched one batch at a time against a byte budget (results.py), the cursor closed at the cap.
No parameters are ever passed to a driver, so a `%` in the SQL (`LIKE 'pa%'`) is never a format directive;
every driver error becomes a QueryError with a message a model can act on ("no such table: x. Available
tables: ...").
"""

from __future__ import annotations

import logging
import re
import sqlite3
from contextlib import closing, suppress
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from agent_service.tools.analytics.deadline import Deadline
from agent_service.tools.analytics.engines import (
    FLAVOR_KEY,
    FUNCTIONS_KEY,
    SQLITE_MAX_VALUE_BYTES,
    DriverError,
    read_only_engine,
)
from agent_service.tools.analytics.functions import SQLITE_FUNCTIONS
from agent_service.tools.analytics.results import DEFAULT_MAX_BYTES, QueryError, QueryResult, TooBig, collect
from agent_service.tools.analytics.statement import StatementError, check_read_only_statement

log = logging.getLogger(__name__)
PROGRESS_OPS = 1000
"""SQLite VM instructions between deadline checks (the deadline thread also calls interrupt())."""
_TIMEOUT = re.compile(
    r"interrupted|statement timeout|canceling statement|max_statement_time|max_execution_time|"
    r"query execution was interrupted",
    re.I,
)

__all__ = ["DEFAULT_MAX_BYTES", "DriverError", "QueryError", "QueryResult", "ReadOnlyDatabase"]


class ReadOnlyDatabase:
    """One pooled engine over `url`, used only for reading (see the module docstring for how)."""

    def __init__(
        self, url: str, *, max_rows: int = 200, timeout_s: float = 10, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.max_rows = max_rows
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        try:
            self.engine = read_only_engine(url, timeout_s=timeout_s, authorizer=_sqlite_authorizer)
        except DriverError as exc:
            raise QueryError(str(exc)) from exc
        self.dialect = self.engine.dialect.name
        self.identity = make_url(url).render_as_string(hide_password=True)
        """The database this reads, without credentials (what a schema cache entry belongs to)."""

    def close(self) -> None:
        self.engine.dispose()

    def query(self, sql: str) -> QueryResult:
        """Check that `sql` is one read statement, then run the SQL generated from it read-only."""
        return self._run(sql, check=True)

    def execute(self, sql: str) -> QueryResult:
        """Run `sql` as given, without the statement check (the session and role still guard)."""
        return self._run(sql, check=False)

    def validate(self, sql: str) -> str:
        """The SQL that `query` would run, after EXPLAIN accepted it (a dry run); QueryError otherwise."""
        checked = self._run(sql, check=True, explain=True)
        return checked.sql

    def _run(self, sql: str, *, check: bool, explain: bool = False) -> QueryResult:
        deadline: Deadline | None = None
        try:
            with self.engine.connect() as conn:
                info = conn.connection.info
                raw = conn.connection.dbapi_connection
                flavor = info.get(
                    FLAVOR_KEY, self.dialect
                )  # the server's own dialect (mysql:// may be MariaDB)
                if check:
                    sql = check_read_only_statement(sql, flavor, info.get(FUNCTIONS_KEY))
                run = f"EXPLAIN {sql}" if explain and not sql.upper().startswith("EXPLAIN") else sql
                deadline = Deadline(self.timeout_s, self._canceller(raw, flavor))
                complete = False
                try:
                    with deadline:
                        columns, rows, truncated = self._fetch(raw, flavor, run, deadline)
                    complete = not truncated
                finally:
                    if deadline.fired or (not complete and flavor in ("mariadb", "mysql")):
                        conn.invalidate()  # a late cancel must not hit the next query; SSCursor would drain
                    else:
                        raw.rollback()
        except StatementError as exc:
            raise QueryError(str(exc)) from exc
        except TooBig:
            raise
        except TimeoutError as exc:
            raise QueryError(self._timed_out()) from exc
        except QueryError:
            raise
        except Exception as exc:  # every driver error, whatever its class (SQLAlchemy, DBAPI, ValueError...)
            reason = _driver_message(getattr(exc, "orig", None) or exc)
            if deadline is not None and deadline.fired:
                raise QueryError(self._timed_out()) from exc
            raise QueryError(self._explain(reason)) from exc
        return QueryResult(columns=columns, rows=rows, truncated=truncated, sql=sql)

    def _fetch(self, raw, flavor: str, sql: str, deadline: Deadline) -> tuple[list[str], list, bool]:
        limits = {"max_rows": self.max_rows, "max_bytes": self.max_bytes, "expired": lambda: deadline.expired}
        if flavor == "sqlite":
            raw.set_progress_handler(lambda: int(deadline.expired), PROGRESS_OPS)
            try:
                with closing(raw.cursor()) as cur:
                    cur.execute(sql)
                    return _described(cur, limits)
            finally:
                raw.set_progress_handler(None, 0)
        if flavor == "postgresql":
            with raw.cursor() as cur:
                cur.execute("SET TRANSACTION READ ONLY")
            if sql.upper().startswith("EXPLAIN"):  # a prepared statement: the extended protocol
                with raw.cursor() as cur:
                    cur.execute(sql, prepare=True)
                    return _described(cur, limits)
            with raw.cursor(name="analytics_query") as cur:  # DECLARE … CURSOR: streamed
                cur.execute(sql)
                return _described(cur, limits)
        import pymysql.cursors

        with raw.cursor() as cur:
            cur.execute("START TRANSACTION READ ONLY")
        cur = raw.cursor(pymysql.cursors.SSCursor)  # unbuffered: rows stream from the server
        complete = False
        try:
            cur.execute(sql)
            result = _described(cur, limits)
            complete = not result[2]
            return result
        finally:
            if not complete:  # stop the server producing rows before the cursor drains what is left
                with suppress(Exception):
                    self._kill_query(raw.thread_id())
            with suppress(Exception):
                cur.close()

    def _canceller(self, raw, flavor: str):
        if flavor == "sqlite":
            return raw.interrupt
        if flavor == "postgresql":
            return lambda: raw.cancel_safe(timeout=2)
        thread_id = raw.thread_id()
        return lambda: self._kill_query(thread_id)

    def _kill_query(self, thread_id: int) -> None:
        import pymysql

        args, kwargs = self.engine.dialect.create_connect_args(self.engine.url)
        killer = pymysql.connect(*args, **{**kwargs, "connect_timeout": 2})
        try:
            with killer.cursor() as cur:
                cur.execute(f"KILL QUERY {int(thread_id)}")
        finally:
            killer.close()

    def _timed_out(self) -> str:
        return (
            f"the query took longer than {self.timeout_s:g} s and was stopped; add filters, aggregate, "
            "or use LIMIT"
        )

    def _explain(self, reason: str) -> str:
        if re.search(r"string or blob too big", reason, re.I):
            return (
                f"{reason}: a value in the query exceeds the {SQLITE_MAX_VALUE_BYTES:,} byte limit; "
                "select shorter values (substr, length) instead"
            )
        if _TIMEOUT.search(reason):
            return self._timed_out()
        if re.search(r"not authorized", reason, re.I):
            return f"{reason}: only built-in functions without side effects can be used, on the tables listed"
        if (
            re.search(r"no such table|does not exist|doesn't exist|undefinedtable", reason, re.I)
            and "column" not in reason
            and "function" not in reason
        ):
            return f"{reason}. Available tables: {', '.join(self.table_names())}"
        if re.search(r"no such column|column .* does not exist|unknown column", reason, re.I):
            return f"{reason}. Call describe_table(table) to see the columns of a table."
        if re.search(r"readonly|read-only|read only|query_only", reason, re.I):
            return f"{reason}. This database is read-only: only SELECT queries are allowed."
        return reason

    def table_names(self) -> list[str]:
        from sqlalchemy import inspect

        try:
            return sorted(inspect(self.engine).get_table_names())
        except SQLAlchemyError as exc:
            raise QueryError(f"cannot read the schema: {_first_line(str(exc))}") from exc


def _described(cur, limits: dict[str, Any]) -> tuple[list[str], list, bool]:
    if cur.description is None:
        return [], [], False
    columns = [d[0] for d in cur.description]
    rows, truncated = collect(columns, cur.fetchmany, **limits)
    return columns, rows, truncated


def _sqlite_authorizer(action: int, arg1, arg2, _db, _trigger) -> int:
    """Inside SQLite: no ATTACH/DETACH, no switching `query_only` off, only allow-listed functions."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() == "query_only" and arg2 is not None:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() not in SQLITE_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _driver_message(exc: BaseException) -> str:
    """The database's own words: PyMySQL errors carry (code, message), others their text."""
    args = getattr(exc, "args", ())
    text = args[1] if len(args) == 2 and isinstance(args[0], int) else str(exc)
    return _first_line(str(text)) or type(exc).__name__


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else text
