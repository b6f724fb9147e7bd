"""Which chart, if any, suits a query result: the suggestion the client gets with the full table.

Why a rule and not the model: the suggestion must be cheap, deterministic and honest about "no chart"
(null), and the rule a person would apply is simple:
- a line over an x that is a date or time (ISO values such as '2024-03' or '2024-03-01', or a column
  named like a period: month, day, date, week, year, time) with at least one numeric y;
- a bar over a category x (text) when there are few rows (BAR_MAX_ROWS), numeric y;
- else null: one row, one column, no numeric column, or too many categories for bars to read.
y is every numeric column other than x, except identifiers (`id`, `*_id`): summing ids means nothing.
"""

from __future__ import annotations

import re
from typing import Any

BAR_MAX_ROWS = 20
LINE_MAX_ROWS = 1000
_ISO_TIME = re.compile(r"^\d{4}-\d{2}(-\d{2})?([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?$")
_PERIOD_NAME = re.compile(r"(^|_)(date|day|week|month|quarter|year|time|period|ts|at)($|_)", re.I)


def _numeric(values: list[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)


def _timelike(name: str, values: list[Any]) -> bool:
    present = [v for v in values if v is not None]
    if not present:
        return False
    if all(isinstance(v, str) and _ISO_TIME.match(v) for v in present):
        return True
    return bool(_PERIOD_NAME.search(name)) and (_numeric(present) or all(isinstance(v, str) for v in present))


def _identifier(name: str) -> bool:
    return name.lower() == "id" or name.lower().endswith("_id")


def suggest_chart(columns: list[str], rows: list[list[Any]]) -> dict[str, Any] | None:
    """{"kind": "line"|"bar", "x": column, "y": [columns]} or None (see the module docstring)."""
    if len(columns) < 2 or len(rows) < 2:
        return None
    values = [[row[i] if i < len(row) else None for row in rows] for i in range(len(columns))]
    x = next((i for i, name in enumerate(columns) if _timelike(name, values[i])), None)
    kind = "line"
    if x is None:
        kind = "bar"
        x = next((i for i in range(len(columns)) if not _numeric(values[i])), None)
        if x is None or len(rows) > BAR_MAX_ROWS:
            return None
    elif len(rows) > LINE_MAX_ROWS:
        return None
    y = [c for i, c in enumerate(columns) if i != x and _numeric(values[i]) and not _identifier(c)]
    if not y:
        return None
    return {"kind": kind, "x": columns[x], "y": y}
