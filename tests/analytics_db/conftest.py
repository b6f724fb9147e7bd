"""Real databases for the read-only guard's tests: the bundled SQLite sample, and a scratch database with the
sample loaded on this machine's PostgreSQL and MariaDB, each with a read-only role made as the README says.

The servers are taken from TEST_POSTGRES_URL / TEST_MARIADB_URL (defaults: the local servers with their
administrative users). A server that cannot be reached FAILS the tests that need it: CI must not pass by
skipping the databases the guard claims to protect.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agent_service.tools.analytics.sample_db import ensure_sample_db
from agent_service.tools.analytics.sample_load import load_sample

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARIADB_URL = os.environ.get("TEST_MARIADB_URL", "mariadb+pymysql://root@127.0.0.1:3306/mysql")
CORPORA = Path(__file__).parent.parent / "corpora"
DATABASES = ["sqlite", "postgresql", "mariadb"]
RO_PASSWORD = "ro-test-pass"


@dataclass
class TestDatabase:
    kind: str
    admin_url: str  # the scratch database as the server's administrative user (a hurried setup)
    readonly_url: str  # the same database as a read-only role granted per the README
    name: str
    path: Path | None = None


def corpus(name: str, kind: str) -> list[str]:
    data = yaml.safe_load((CORPORA / f"{name}.yaml").read_text())
    return [*data["common"], *data[kind]]


def _server(url: str, what: str):
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        pytest.fail(f"{what} is required for these tests and is not reachable at {url}: {exc}")
    return engine


def _postgres(tmp: Path):
    suffix = secrets.token_hex(4)
    name, role = f"agent_t_{suffix}", f"agent_ro_{suffix}"
    server = _server(POSTGRES_URL, "PostgreSQL")
    admin = make_url(POSTGRES_URL).set(database=name)
    admin_url = admin.render_as_string(hide_password=False)
    load_sample(admin_url)
    with server.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    db_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with db_engine.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS dblink"))
        for grant in readonly_grants_postgres(name, role):
            conn.execute(text(grant))
    db_engine.dispose()
    ro_url = admin.set(username=role).render_as_string(hide_password=False)
    yield TestDatabase("postgresql", admin_url, ro_url, name)
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    server.dispose()


def readonly_grants_postgres(database: str, role: str) -> list[str]:
    """The README's GRANTs for a read-only PostgreSQL role (kept in step with it by test_role_check)."""
    return [
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
        "REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC",
        f"ALTER ROLE {role} SET default_transaction_read_only = on",
    ]


def _mariadb(tmp: Path):
    suffix = secrets.token_hex(4)
    name, user = f"agent_t_{suffix}", f"agent_ro_{suffix}"
    server = _server(MARIADB_URL, "MariaDB")
    admin = make_url(MARIADB_URL).set(database=name)
    admin_url = admin.render_as_string(hide_password=False)
    load_sample(admin_url)
    with server.connect() as conn:
        for grant in readonly_grants_mariadb(name, user):
            conn.execute(text(grant))
    ro_url = admin.set(username=user, password=RO_PASSWORD).render_as_string(hide_password=False)
    yield TestDatabase("mariadb", admin_url, ro_url, name)
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
    server.dispose()


def readonly_grants_mariadb(database: str, user: str) -> list[str]:
    """The README's GRANTs for a read-only MariaDB user."""
    return [
        f"CREATE USER '{user}'@'%' IDENTIFIED BY '{RO_PASSWORD}'",
        f"GRANT SELECT, SHOW VIEW ON `{database}`.* TO '{user}'@'%'",
    ]


@pytest.fixture(scope="module", params=DATABASES)
def database(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"db_{request.param}")
    if request.param == "sqlite":
        path = ensure_sample_db(tmp / "sample.db")
        url = f"sqlite:///{path}"
        yield TestDatabase("sqlite", url, url, "main", path)
        return
    factory = _postgres if request.param == "postgresql" else _mariadb
    yield from factory(tmp)
