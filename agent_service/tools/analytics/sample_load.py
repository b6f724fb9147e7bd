"""Load the bundled sample shop into PostgreSQL or MariaDB/MySQL, so the stack can be tried on each.

    python -m agent_service.tools.analytics.sample_load postgresql+psycopg://postgres@127.0.0.1:5432/shop
    python -m agent_service.tools.analytics.sample_load mariadb+pymysql://root@127.0.0.1:3306/shop

The database is created when it does not exist; existing sample tables in it are replaced. The rows are
the ones the SQLite sample holds (generated deterministically, sample_db.py), with real types where SQLite
has only TEXT or REAL: prices and totals become DECIMAL(12, 2), `order_date`, `created_at` and `resolved_at` become TIMESTAMP, names VARCHAR (MariaDB cannot
index TEXT). Connect as a role that may create tables; then point DATABASE_URL at a read-only role
(README: "A read-only database role").
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    text,
)
from sqlalchemy.engine import make_url

from agent_service.tools.analytics.engines import supported_url
from agent_service.tools.analytics.sample_db import ensure_sample_db

MONEY = Numeric(12, 2)
"""Prices and totals: exact decimals, so ROUND(SUM(total), 2) works on PostgreSQL as on SQLite."""
TABLES = ("customers", "products", "orders", "order_items", "support_tickets")


def sample_metadata() -> MetaData:
    """The sample schema with portable types (foreign keys as in the SQLite file)."""
    md = MetaData()
    Table(
        "customers", md, Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(100), nullable=False), Column("email", String(200), nullable=False),
        Column("country", String(60), nullable=False), Column("city", String(60), nullable=False),
        Column("segment", String(40), nullable=False), Column("created_at", DateTime, nullable=False),
    )  # fmt: skip
    Table(
        "products", md, Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(100), nullable=False), Column("category", String(60), nullable=False),
        Column("price", MONEY, nullable=False),
    )  # fmt: skip
    Table(
        "orders", md, Column("id", Integer, primary_key=True, autoincrement=False),
        Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
        Column("order_date", DateTime, nullable=False, index=True),
        Column("status", String(20), nullable=False), Column("total", MONEY, nullable=False),
    )  # fmt: skip
    Table(
        "order_items", md, Column("id", Integer, primary_key=True, autoincrement=False),
        Column("order_id", Integer, ForeignKey("orders.id"), nullable=False, index=True),
        Column("product_id", Integer, ForeignKey("products.id"), nullable=False, index=True),
        Column("quantity", Integer, nullable=False), Column("unit_price", MONEY, nullable=False),
    )  # fmt: skip
    Table(
        "support_tickets", md, Column("id", Integer, primary_key=True, autoincrement=False),
        Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
        Column("created_at", DateTime, nullable=False), Column("priority", String(20), nullable=False),
        Column("status", String(20), nullable=False), Column("subject", String(200), nullable=False),
        Column("resolved_at", DateTime, nullable=True),
    )  # fmt: skip
    return md


def load_sample(url: str, sample: Path | None = None) -> dict[str, int]:
    """Create the database of `url` if needed, (re)create the sample tables and fill them; rows per table."""
    url = supported_url(url)
    _create_database(url)
    source = ensure_sample_db(sample or Path(tempfile.gettempdir()) / "agent-stream-sample.db")
    md = sample_metadata()
    engine = create_engine(url)
    counts = {}
    try:
        md.drop_all(engine)
        md.create_all(engine)
        conn_src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            with engine.begin() as conn:
                for name in TABLES:
                    table = md.tables[name]
                    cols = [c.name for c in table.columns]
                    rows = conn_src.execute(f"SELECT {', '.join(cols)} FROM {name} ORDER BY id").fetchall()
                    typed = [_typed(table, dict(zip(cols, r, strict=True))) for r in rows]
                    conn.execute(table.insert(), typed)
                    counts[name] = len(typed)
        finally:
            conn_src.close()
    finally:
        engine.dispose()
    return counts


def _typed(table: Table, row: dict) -> dict:
    for column in table.columns:
        if isinstance(column.type, DateTime) and row[column.name] is not None:
            row[column.name] = datetime.fromisoformat(row[column.name])
    return row


def _create_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" or not parsed.database:
        return
    name = parsed.database
    if parsed.get_backend_name() == "postgresql":
        server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        exists = "SELECT 1 FROM pg_database WHERE datname = :n"
        create = f'CREATE DATABASE "{name}"'
    else:
        server = create_engine(parsed.set(database="information_schema"))
        exists = "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = :n"
        create = f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
    try:
        with server.connect() as conn:
            if conn.execute(text(exists), {"n": name}).first() is None:
                conn.execute(text(create))
                conn.commit()
    finally:
        server.dispose()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m agent_service.tools.analytics.sample_load DATABASE_URL")
    counts = load_sample(args[0])
    print("loaded " + ", ".join(f"{n}: {c}" for n, c in counts.items()))


if __name__ == "__main__":
    main()
