"""The demo model's SQL for the connected database: written once in SQLite's dialect, transpiled by sqlglot.

Why transpile instead of writing one query per database: the plans (demo_query.py) stay one readable
statement each, and sqlglot knows the differences that matter here (`strftime('%Y-%m', d)` is
`TO_CHAR(CAST(d AS TIMESTAMP), 'YYYY-MM')` on PostgreSQL and `DATE_FORMAT(d, '%Y-%m')` on MariaDB/MySQL).
The dialect comes from the `dialect` list_tables reports (SQLAlchemy's dialect name); a name sqlglot does
not know leaves the SQL as written, so the database's own error reaches the answer.
"""

from __future__ import annotations

import sqlglot
from sqlglot.errors import SqlglotError

SOURCE_DIALECT = "sqlite"
TARGETS = {
    "sqlite": "sqlite",
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}


def for_dialect(sql: str, dialect: str | None) -> str:
    """`sql` (SQLite dialect) as the database named `dialect` reads it."""
    target = TARGETS.get((dialect or SOURCE_DIALECT).lower())
    if target is None or target == SOURCE_DIALECT:
        return sql
    try:
        return sqlglot.transpile(sql, read=SOURCE_DIALECT, write=target)[0]
    except SqlglotError:
        return sql
