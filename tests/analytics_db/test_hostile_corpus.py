"""The hostile corpus (tests/corpora/hostile.yaml) against each real database, connected as the server's
administrative user: the guard must hold even when the operator did not create a read-only role.

For every statement: refused with a message the model can act on, or run harmlessly; never past the time
cap plus one second. After the whole corpus: no row, table, file, lock, slot, large object, setting or
other session changed.
"""

from __future__ import annotations

import glob
import hashlib
import secrets
import time

import psycopg
import pymysql
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agent_service.tools.analytics.query import QueryError, ReadOnlyDatabase
from tests.analytics_db.conftest import corpus

TIMEOUT_S = 2.0
TABLES = ("customers", "products", "orders", "order_items", "support_tickets")


def _admin_engine(database):
    return create_engine(database.admin_url, isolation_level="AUTOCOMMIT")


def snapshot(database, db: ReadOnlyDatabase, tmp: str, sentinel) -> dict:
    """Everything a hostile statement could have changed, read with the admin's own connection."""
    state: dict = {"files": sorted(glob.glob(f"{tmp}*"))}
    if database.kind == "sqlite":
        state["file_sha256"] = hashlib.sha256(database.path.read_bytes()).hexdigest()
    engine = _admin_engine(database)
    try:
        with engine.connect() as conn:
            for t in TABLES:
                state[f"rows:{t}"] = conn.execute(text(f"SELECT COUNT(*), SUM(id) FROM {t}")).one()
            state["order_total"] = conn.execute(text("SELECT ROUND(SUM(total), 2) FROM orders")).scalar()
            if database.kind == "postgresql":
                queries = {
                    "tables": "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace",
                    "slots": "SELECT count(*) FROM pg_replication_slots",
                    "large_objects": "SELECT count(*) FROM pg_largeobject_metadata",
                    "advisory_locks": "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'",
                    "stats_reset": "SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()",
                    "sentinel_alive": f"SELECT count(*) FROM pg_stat_activity WHERE pid = {sentinel.info.backend_pid}",
                    "backup": "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'BackupWaitWalArchive'",
                }
            elif database.kind == "mariadb":
                queries = {
                    "tables": "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
                    "lock_free": "SELECT IS_FREE_LOCK('agent_hostile_lock') + IS_FREE_LOCK('agent_hostile')",
                    "max_connections": "SELECT @@GLOBAL.max_connections",
                    "global_read_only": "SELECT @@GLOBAL.read_only",
                    "sql_mode": "SELECT @@GLOBAL.sql_mode",
                    "sentinel_alive": f"SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = {sentinel.thread_id()}",
                }
            else:
                queries = {"tables": "SELECT count(*) FROM sqlite_master"}
            for key, sql in queries.items():
                state[key] = conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()
    # the pooled sessions of the guard itself: still read-only, still time-capped, no user variables left
    if database.kind == "postgresql":
        state["session"] = db.execute(
            "SELECT current_setting('transaction_read_only'), current_setting('statement_timeout')"
        ).rows
    elif database.kind == "mariadb":
        state["session"] = db.execute(
            "SELECT @@SESSION.tx_read_only, @@SESSION.max_statement_time, @evil"
        ).rows
    else:
        state["session"] = db.execute("PRAGMA query_only").rows
    return state


def _sentinel(database):
    """Another session a hostile statement may try to kill."""
    if database.kind == "postgresql":
        return psycopg.connect(
            make_url(database.admin_url).set(drivername="postgresql").render_as_string(False)
        )
    if database.kind == "mariadb":
        url = make_url(database.admin_url)
        return pymysql.connect(host=url.host, port=url.port or 3306, user=url.username, database=url.database)
    return None


def actionable(message: str) -> bool:
    """A message a model can act on: a sentence, not a bare exception name or a traceback."""
    return len(message) >= 20 and "Traceback" not in message and not message.startswith(("<", "("))


def test_hostile_corpus_is_refused_without_writes_side_effects_or_overtime(database):
    tmp = f"/tmp/agent_hostile_{secrets.token_hex(4)}"
    sentinel = _sentinel(database)
    db = ReadOnlyDatabase(database.admin_url, timeout_s=TIMEOUT_S, max_bytes=64 * 1024)
    try:
        before = snapshot(database, db, tmp, sentinel)
        statements = corpus("hostile", database.kind)
        assert len(statements) >= 100
        problems, refused, ran, slowest = [], 0, 0, 0.0
        for raw_sql in statements:
            sql = raw_sql.replace("{db}", database.name).replace("{tmp}", tmp)
            pid = sentinel.info.backend_pid if database.kind == "postgresql" else 0
            sql = sql.replace("{pid}", str(pid))
            started = time.monotonic()
            try:
                db.query(sql)
                ran += 1
                print(f"  ran harmlessly: {sql!r}")
            except QueryError as exc:
                refused += 1
                if not actionable(str(exc)):
                    problems.append(f"unhelpful message for {sql!r}: {exc}")
            except Exception as exc:
                problems.append(f"{type(exc).__name__} (not a QueryError) for {sql!r}: {exc}")
            elapsed = time.monotonic() - started
            slowest = max(slowest, elapsed)
            if elapsed > TIMEOUT_S + 1:
                problems.append(f"{sql!r} ran {elapsed:.1f} s (cap {TIMEOUT_S} s)")
        after = snapshot(database, db, tmp, sentinel)
    finally:
        db.close()
        if sentinel is not None:
            sentinel.close()
    changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    print(
        f"{database.kind}: {len(statements)} hostile, {refused} refused, {ran} ran harmlessly, slowest {slowest:.2f} s"
    )
    assert not changed, f"side effects: {changed}"
    assert not problems, "\n".join(problems)
