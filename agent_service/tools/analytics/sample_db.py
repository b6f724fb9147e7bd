"""The bundled sample database: a small, realistic shop (customers, products, orders, order items, tickets).

Why generated and not shipped as a binary: a seeded `random.Random` makes the data deterministic (tests
compare the demo model's answers with numbers computed here, and every machine sees the same shop), the
repository stays free of binary blobs, and generation takes well under a second with stdlib `sqlite3`.

Why `PRAGMA user_version`: the file is regenerated when SCHEMA_VERSION changes, so an old `var/sample.db`
never silently serves a stale schema.

Why temp file + `os.replace`: several workers may start at once and all find the file missing. Each builds
its own temp file in the same directory and renames it into place; the rename is atomic, the content is
identical, so readers see either no file or a complete one, never a half-written database.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from agent_service.tools.analytics.sample_catalog import (
    CATALOG,
    COUNTRY_WEIGHTS,
    FIRST,
    LAST,
    ORDER_STATUS,
    PLACES,
    SEGMENTS,
    SUBJECTS,
    TICKET_PRIORITY,
    TICKET_STATUS,
)

SCHEMA_VERSION = 1
SEED = 20240601
COUNTS = {"customers": 500, "products": 60, "orders": 5000, "support_tickets": 800}
START = datetime(2023, 1, 1)
DAYS = 730  # two full years of history: 2023 and 2024

SCHEMA = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, country TEXT NOT NULL,
    city TEXT NOT NULL, segment TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE products (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, category TEXT NOT NULL, price REAL NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), order_date TEXT NOT NULL,
    status TEXT NOT NULL, total REAL NOT NULL);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL, unit_price REAL NOT NULL);
CREATE TABLE support_tickets (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), created_at TEXT NOT NULL,
    priority TEXT NOT NULL, status TEXT NOT NULL, subject TEXT NOT NULL, resolved_at TEXT);
CREATE INDEX idx_orders_customer ON orders(customer_id);
CREATE INDEX idx_orders_date ON orders(order_date);
CREATE INDEX idx_items_order ON order_items(order_id);
CREATE INDEX idx_items_product ON order_items(product_id);
CREATE INDEX idx_tickets_customer ON support_tickets(customer_id);
"""


def ensure_sample_db(path: Path) -> Path:
    """Create the sample database at `path` unless a current one is already there; return `path`."""
    path = Path(path)
    if _current(path):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        try:
            _build(conn)
        finally:
            conn.close()
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return path


def _current(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def _build(conn: sqlite3.Connection) -> None:
    rng = random.Random(SEED)
    conn.executescript(SCHEMA)
    customers = _customers(rng)
    products = _products(rng)
    orders, items = _orders(rng, customers, products)
    tickets = _tickets(rng, customers)
    with conn:
        conn.executemany("INSERT INTO customers VALUES (?,?,?,?,?,?,?)", customers)
        conn.executemany("INSERT INTO products VALUES (?,?,?,?)", products)
        conn.executemany("INSERT INTO orders VALUES (?,?,?,?,?)", orders)
        conn.executemany("INSERT INTO order_items VALUES (?,?,?,?,?)", items)
        conn.executemany("INSERT INTO support_tickets VALUES (?,?,?,?,?,?,?)", tickets)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _pick(rng: random.Random, choices: tuple[list[str], list[int]]) -> str:
    return rng.choices(choices[0], weights=choices[1])[0]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _customers(rng: random.Random) -> list[tuple]:
    rows = []
    countries = list(PLACES)
    for cid in range(1, COUNTS["customers"] + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        country = rng.choices(countries, weights=COUNTRY_WEIGHTS)[0]
        created = START + timedelta(days=rng.randrange(DAYS // 2), seconds=rng.randrange(86400))
        rows.append(
            (
                cid,
                f"{first} {last}",
                f"{first}.{last}{cid}@example.com".lower(),
                country,
                rng.choice(PLACES[country]),
                _pick(rng, SEGMENTS),
                _stamp(created),
            )
        )
    return rows


def _products(rng: random.Random) -> list[tuple]:
    rows = []
    for category, (names, (low, high)) in CATALOG.items():
        for name in names:
            price = round(rng.uniform(low, high), 0) - 0.01
            rows.append((len(rows) + 1, name, category, price))
    return rows


def _orders(rng: random.Random, customers: list[tuple], products: list[tuple]) -> tuple[list, list]:
    orders, items = [], []
    weights = [rng.paretovariate(2.0) for _ in customers]  # a few big spenders, a long tail
    popularity = [rng.paretovariate(1.2) for _ in products]
    for oid in range(1, COUNTS["orders"] + 1):
        customer = rng.choices(customers, weights=weights)[0]
        created = datetime.fromisoformat(customer[6])
        span = max(1, (START + timedelta(days=DAYS) - created).days)
        ordered = created + timedelta(days=rng.randrange(span), seconds=rng.randrange(86400))
        total = 0.0
        for product in _distinct(
            rng, products, popularity, rng.choices([1, 2, 3, 4, 5, 6], [14, 24, 28, 18, 10, 6])[0]
        ):
            quantity = rng.choices([1, 2, 3, 4], [60, 25, 10, 5])[0]
            unit_price = product[3]
            items.append((len(items) + 1, oid, product[0], quantity, unit_price))
            total += quantity * unit_price
        orders.append((oid, customer[0], _stamp(ordered), _pick(rng, ORDER_STATUS), round(total, 2)))
    return orders, items


def _distinct(rng: random.Random, products: list[tuple], weights: list[float], n: int) -> list[tuple]:
    chosen: dict[int, tuple] = {}
    while len(chosen) < n:
        product = rng.choices(products, weights=weights)[0]
        chosen[product[0]] = product
    return list(chosen.values())


def _tickets(rng: random.Random, customers: list[tuple]) -> list[tuple]:
    rows = []
    end = START + timedelta(days=DAYS)
    for tid in range(1, COUNTS["support_tickets"] + 1):
        customer = rng.choice(customers)
        created = datetime.fromisoformat(customer[6])
        opened = created + timedelta(
            days=rng.randrange(max(1, (end - created).days)), seconds=rng.randrange(86400)
        )
        status = _pick(rng, TICKET_STATUS)
        resolved = None
        if status in ("resolved", "closed"):
            resolved = _stamp(opened + timedelta(hours=rng.randrange(1, 24 * 14)))
        rows.append(
            (
                tid,
                customer[0],
                _stamp(opened),
                _pick(rng, TICKET_PRIORITY),
                status,
                rng.choice(SUBJECTS),
                resolved,
            )
        )
    return rows


def table_counts(path: Path) -> dict[str, int]:
    """Row count per table (used by tests and the README; cheap on the sample)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


__all__ = ["SCHEMA_VERSION", "ensure_sample_db", "table_counts"]
