"""One supported driver per database, and the read-only session each new connection is put in.

Why one driver each: every guard below depends on what the driver does (how it sends a statement, whether
it streams, how a running statement is cancelled, whether it interprets `%` without parameters). Half-
guarding every driver SQLAlchemy knows would make each guard a guess, so a URL naming another driver is
refused with a message saying which one to use; a URL without a driver gets the supported one.
- SQLite: the standard library's sqlite3 (pysqlite), the file opened through a `file:...?mode=ro` URI
  (the OS-level handle cannot write), `PRAGMA query_only`, SQLITE_LIMIT_LENGTH (no value may exceed
  SQLITE_MAX_VALUE_BYTES) and an authorizer that denies ATTACH/DETACH, turning `query_only` off, and any
  function not on the allow-list (functions.py), inside the engine itself.
- PostgreSQL: psycopg 3 (`postgresql+psycopg://`; `postgresql://` means it). Each new connection runs and
  commits `SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`, a `statement_timeout` (a server-side
  backstop of the client-side deadline), `standard_conforming_strings = on` (the quoting the generated SQL
  uses) and reads its function allow-list from `pg_proc`. Cancelling uses the protocol's cancel request
  (`Connection.cancel_safe`).
- MariaDB/MySQL: PyMySQL (`mariadb+pymysql://` / `mysql+pymysql://`; `mariadb://` and `mysql://` mean
  it): pure Python, so no client library has to be installed, and its unbuffered SSCursor streams rows.
  Each new connection runs `SET SESSION TRANSACTION READ ONLY`, a server-side time cap
  (`max_statement_time` on MariaDB, which has no `max_execution_time`; `max_execution_time` on MySQL) and an
  `sql_mode` without ANSI_QUOTES and NO_BACKSLASH_ESCAPES (the quoting the generated SQL uses). Cancelling
  opens a second connection and sends `KILL QUERY <id>`.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool

from agent_service.tools.analytics.functions import (
    POSTGRES_FUNCTIONS_SQL,
    named_allowed_functions,
    postgres_allowed_functions,
)

SQLITE_MAX_VALUE_BYTES = 1_000_000
"""SQLITE_LIMIT_LENGTH on every connection: the largest string or blob a query may build or read."""
SUPPORTED_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}
FUNCTIONS_KEY = "analytics_functions"
"""Where a pooled connection keeps its function allow-list (SQLAlchemy `ConnectionPoolEntry.info`)."""
FLAVOR_KEY = "analytics_flavor"


class DriverError(ValueError):
    """DATABASE_URL names a database or driver the read-only guard does not support."""


def supported_url(url: str) -> str:
    """`url` with the supported driver filled in, or DriverError saying what to write instead."""
    parsed = make_url(url)
    backend, driver = parsed.get_backend_name(), parsed.drivername.partition("+")[2]
    if backend not in SUPPORTED_DRIVERS:
        raise DriverError(
            f"DATABASE_URL uses {backend}, which the read-only analytics tools do not support: use "
            "sqlite:///path.db, postgresql+psycopg://... or mariadb+pymysql://... (MySQL: mysql+pymysql://...)"
        )
    wanted = SUPPORTED_DRIVERS[backend]
    if driver and driver != wanted:
        raise DriverError(
            f"DATABASE_URL uses the {driver} driver for {backend}; only {wanted} is supported (its read-only "
            f"guards are tested): write {backend}+{wanted}://..."
        )
    return str(parsed.set(drivername=f"{backend}+{wanted}").render_as_string(hide_password=False))


def read_only_engine(url: str, *, timeout_s: float, authorizer) -> Engine:
    """A pooled engine whose connections are set up read-only for the database in `url`."""
    parsed = make_url(supported_url(url))
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed.database, authorizer)
    engine = create_engine(parsed, pool_pre_ping=True, pool_size=8, max_overflow=16)
    hook = _postgres_setup(timeout_s) if backend == "postgresql" else _mysql_setup(timeout_s)
    event.listen(engine, "connect", hook)
    return engine


def _sqlite_engine(path: str | None, authorizer) -> Engine:
    if path in (None, "", ":memory:"):
        raise DriverError(
            "DATABASE_URL must name a SQLite file (sqlite:///path.db), not an in-memory database"
        )
    engine = create_engine(
        "sqlite+pysqlite://",
        creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False),
        poolclass=QueuePool,
        pool_size=8,
        max_overflow=16,
    )

    @event.listens_for(engine, "connect")
    def _setup(dbapi_conn, record) -> None:
        dbapi_conn.execute("PRAGMA query_only = ON")
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_VALUE_BYTES)
        dbapi_conn.set_authorizer(authorizer)
        record.info[FUNCTIONS_KEY] = named_allowed_functions("sqlite")
        record.info[FLAVOR_KEY] = "sqlite"

    return engine


def postgres_session_sql(timeout_s: float) -> list[str]:
    """What every new PostgreSQL connection runs and commits, so it holds for the whole session."""
    return [
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        f"SET statement_timeout = {int(timeout_s * 1000) + 1000}",
        "SET idle_in_transaction_session_timeout = 60000",
        "SET standard_conforming_strings = on",
    ]


def _postgres_setup(timeout_s: float):
    def hook(dbapi_conn, record) -> None:
        with dbapi_conn.cursor() as cur:
            for statement in postgres_session_sql(timeout_s):
                cur.execute(statement)
            cur.execute(POSTGRES_FUNCTIONS_SQL)
            record.info[FUNCTIONS_KEY] = postgres_allowed_functions([r[0] for r in cur.fetchall()])
        dbapi_conn.commit()
        record.info[FLAVOR_KEY] = "postgresql"

    return hook


def _mysql_setup(timeout_s: float):
    def hook(dbapi_conn, record) -> None:
        mariadb = "mariadb" in dbapi_conn.get_server_info().lower()
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT @@SESSION.sql_mode")
            modes = [
                m
                for m in cur.fetchone()[0].split(",")
                if m and m not in ("ANSI_QUOTES", "NO_BACKSLASH_ESCAPES")
            ]
            modes = [m for m in modes if m != "ANSI"]
            cur.execute(f"SET SESSION sql_mode = '{','.join(modes)}'")
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            if mariadb:
                cur.execute(f"SET SESSION max_statement_time = {timeout_s + 1:g}")
            else:
                cur.execute(f"SET SESSION max_execution_time = {int(timeout_s * 1000) + 1000}")
        dbapi_conn.commit()
        record.info[FUNCTIONS_KEY] = named_allowed_functions("mysql")
        record.info[FLAVOR_KEY] = "mariadb" if mariadb else "mysql"

    return hook
