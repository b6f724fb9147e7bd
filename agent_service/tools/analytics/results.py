"""A query's result and how it is fetched: row by row against a byte budget, so memory stays capped.

Why the budget is counted while fetching: a cap applied after a batch is fetched lets one batch of huge rows
(`SELECT repeat('x', 100000000) FROM generate_series(1, 20)`) grow the worker and the database server by
gigabytes first. `collect` fetches one row first, then batches sized so the remaining budget holds them at
the largest row size seen so far, counts each row's JSON bytes (column names included, in the budget from
the start) and stops at QUERY_MAX_ROWS or QUERY_MAX_BYTES; the caller then closes the cursor, so the
database stops producing rows. The largest single value stays bounded by the database (SQLite:
SQLITE_LIMIT_LENGTH; MariaDB: max_allowed_packet; PostgreSQL: 1 GB per value).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_BYTES = 256 * 1024
"""Default cap on the JSON a query returns (QUERY_MAX_BYTES): it goes to Redis and into the model's context."""
FETCH_BATCH = 50
_JSON_ENVELOPE_SLACK = 100  # '"rows": [], "row_count": N, "truncated": false' and separators


class QueryError(Exception):
    """A query or schema lookup failed; `str(err)` is meant for the model."""


class TooBig(QueryError):
    """The column names alone do not fit in the byte cap."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    sql: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": json.loads(json.dumps(self.rows, default=json_value)),
            "row_count": len(self.rows),
            "truncated": self.truncated,
        }


def collect(
    columns: list[str],
    fetchmany: Callable[[int], list],
    *,
    max_rows: int,
    max_bytes: int,
    expired: Callable[[], bool],
) -> tuple[list[list[Any]], bool]:
    """Fetch until the rows end, QUERY_MAX_ROWS or QUERY_MAX_BYTES; (rows, truncated).

    Raises TimeoutError when `expired()` turns true between fetches.
    """
    budget = max_bytes - len(json.dumps({"columns": columns})) - _JSON_ENVELOPE_SLACK
    if budget <= 0:
        raise TooBig(
            f"the column names alone exceed the {max_bytes:,} byte result cap: select fewer columns or "
            "shorter aliases"
        )
    rows: list[list[Any]] = []
    size, largest = 1, 1
    while True:
        if expired():
            raise TimeoutError
        batch = fetchmany(size)
        if not batch:
            return rows, False
        for row in batch:
            if len(rows) >= max_rows:
                return rows, True
            row = list(row)
            cost = len(json.dumps(row, default=json_value)) + 2  # ", " separator
            largest = max(largest, cost)
            budget -= cost
            if budget < 0:
                return rows, True
            rows.append(row)
        size = max(1, min(FETCH_BATCH, budget // largest, max_rows + 1 - len(rows)))


def json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return str(value)
