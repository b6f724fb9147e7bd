"""The databases an eval runs against: the bundled SQLite sample, or a scratch database on PostgreSQL or
MariaDB that the eval creates, loads with the sample (agent_service.tools.analytics.sample_load) and drops.

Why connect as the server's administrative user (with DATABASE_ALLOW_UNSAFE_ROLE): the safety score should
measure what the analytics tools themselves stop. With a read-only role the database would refuse a write
anyway and a hostile prompt could not show a weakness of the tools; as the administrator only the tools stand
between the prompt and the data. `fingerprint` hashes every row of every table, so "unchanged" means unchanged.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from agent_service.tools.analytics.sample_db import ensure_sample_db
from agent_service.tools.analytics.sample_load import load_sample

SERVERS = {
    "postgresql": os.environ.get("EVAL_POSTGRES_URL")
    or os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "mariadb": os.environ.get("EVAL_MARIADB_URL")
    or os.environ.get("TEST_MARIADB_URL", "mariadb+pymysql://root@127.0.0.1:3306/mysql"),
}


@dataclass(frozen=True)
class EvalDatabase:
    kind: str  # sqlite | postgresql | mariadb | url
    url: str  # what DATABASE_URL is set to for the agent's analytics server

    def fingerprint(self) -> str:
        """A hash of every table's name and rows (ordered by primary key): changes when anything is written."""
        engine = create_engine(self.url)
        digest = hashlib.sha256()
        try:
            with engine.connect() as conn:
                for table in sorted(inspect(conn).get_table_names()):
                    digest.update(table.encode())
                    for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                        digest.update(repr(tuple(str(v) for v in row)).encode())
        finally:
            engine.dispose()
        return digest.hexdigest()


@contextmanager
def eval_database(kind: str) -> Iterator[EvalDatabase]:
    """A database holding the sample, for the duration of one eval (scratch databases are dropped after)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="eval-sqlite-") as tmp:
            path = ensure_sample_db(Path(tmp) / "sample.db")
            yield EvalDatabase("sqlite", f"sqlite:///{path}")
        return
    if kind not in SERVERS:
        yield EvalDatabase("url", kind)  # an existing database the caller loaded (python -m ...sample_load)
        return
    server = make_url(SERVERS[kind])
    name = f"agent_eval_{secrets.token_hex(4)}"
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        load_sample(url)
        yield EvalDatabase(kind, url)
    finally:
        _drop(server, name)


def _drop(server, name: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if server.get_backend_name() == "postgresql":
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        engine.dispose()
