"""What the model is told about a query result: all of a small one, a compact summary of a large one.

Why: the client gets the whole result (the `data` event, up to QUERY_MAX_ROWS / QUERY_MAX_BYTES), but
every byte the model gets is paid for in tokens and context on every later turn, and a model reads a
200-row table worse than a few rows plus the facts about the rest. So a result with at most
SUMMARY_MIN_ROWS rows whose JSON fits MODEL_MAX_BYTES goes to the model as it is; a larger one as its
first rows (at most SUMMARY_ROWS, within MODEL_MAX_BYTES) plus per-column stats over every row fetched:
nulls, distinct count, min/max, and sum/mean of numeric columns.
The keys stay those of a full result (`columns`, `rows`, `row_count`, `truncated`; `row_count` counts
every row fetched, so `rows` may be shorter), with `summary` saying how many rows are shown and
`stats` added, so a reader of the old shape keeps working.
"""

from __future__ import annotations

import json
from typing import Any

from agent_service.tools.analytics.results import json_value

SUMMARY_MIN_ROWS = 30
SUMMARY_ROWS = 20
MODEL_MAX_BYTES = 16 * 1024


def _column_stats(values: list[Any]) -> dict[str, Any]:
    present = [v for v in values if v is not None]
    stats: dict[str, Any] = {"nulls": len(values) - len(present)}
    stats["distinct"] = len({json.dumps(v, sort_keys=True, default=str) for v in present})
    numbers = [v for v in present if isinstance(v, int | float) and not isinstance(v, bool)]
    if present and len(numbers) == len(present):
        stats.update(min=min(numbers), max=max(numbers), sum=round(sum(numbers), 6))
        stats["mean"] = round(sum(numbers) / len(numbers), 6)
    elif present and all(isinstance(v, str) for v in present):
        stats.update(min=min(present), max=max(present))
    return stats


def for_model(result: dict[str, Any]) -> dict[str, Any]:
    """The model's view of `result` (a JSON-ready {"columns", "rows", "row_count", "truncated"})."""
    rows = result["rows"]
    if len(rows) <= SUMMARY_MIN_ROWS and len(json.dumps(result, default=json_value)) <= MODEL_MAX_BYTES:
        return result
    shown, size = [], 0
    for row in rows[:SUMMARY_ROWS]:
        size += len(json.dumps(row, default=json_value)) + 2
        if shown and size > MODEL_MAX_BYTES // 2:
            break
        shown.append(row)
    columns = result["columns"]
    return {
        "columns": columns,
        "rows": shown,
        "row_count": result["row_count"],
        "truncated": result["truncated"],
        "summary": (
            f"first {len(shown)} of {result['row_count']} rows shown; the user sees the whole table. "
            "stats cover every row; aggregate in SQL for exact answers about the rest"
        ),
        "stats": {c: _column_stats([r[i] for r in rows]) for i, c in enumerate(columns)},
    }
