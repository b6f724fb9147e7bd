"""What the model and the client get from one query result: the model's compact view (summary.py) and the
client's chart suggestion (chart.py)."""

from __future__ import annotations

import json

from agent_service.tools.analytics.chart import suggest_chart
from agent_service.tools.analytics.summary import MODEL_MAX_BYTES, SUMMARY_ROWS, for_model


def _result(columns, rows, truncated=False):
    return {"columns": columns, "rows": rows, "row_count": len(rows), "truncated": truncated}


def test_a_small_result_reaches_the_model_whole():
    result = _result(["status", "n"], [["paid", 3], ["open", 2]])
    assert for_model(result) == result


def test_a_large_result_reaches_the_model_as_its_first_rows_and_stats_over_every_row():
    rows = [[i, f"c{i % 7}", None if i % 10 == 0 else i * 1.5] for i in range(1, 201)]
    view = for_model(_result(["id", "country", "total"], rows, truncated=True))
    assert view["columns"] == ["id", "country", "total"]
    assert view["rows"] == rows[:SUMMARY_ROWS]
    assert view["row_count"] == 200 and view["truncated"] is True
    assert "first 20 of 200 rows" in view["summary"]
    assert view["stats"]["id"] == {
        "nulls": 0,
        "distinct": 200,
        "min": 1,
        "max": 200,
        "sum": 20100,
        "mean": 100.5,
    }
    assert view["stats"]["country"] == {"nulls": 0, "distinct": 7, "min": "c0", "max": "c6"}
    assert view["stats"]["total"]["nulls"] == 20 and view["stats"]["total"]["max"] == 199 * 1.5
    assert len(json.dumps(view)) < MODEL_MAX_BYTES


def test_a_few_wide_rows_are_summarised_by_size():
    rows = [[i, "x" * 2000] for i in range(12)]
    view = for_model(_result(["id", "text"], rows))
    assert len(view["rows"]) < 12 and view["row_count"] == 12 and "stats" in view


def test_a_monthly_series_is_charted_as_a_line():
    rows = [[f"2024-{m:02d}", m * 10.0, m] for m in range(1, 13)]
    assert suggest_chart(["month", "revenue", "orders"], rows) == {
        "kind": "line",
        "x": "month",
        "y": ["revenue", "orders"],
    }


def test_a_numeric_year_column_is_a_time_axis():
    assert suggest_chart(["year", "orders"], [[2023, 5], [2024, 9]]) == {
        "kind": "line",
        "x": "year",
        "y": ["orders"],
    }


def test_a_few_categories_are_charted_as_bars_without_identifier_columns():
    rows = [["DE", 7, 120.5], ["FR", 8, 99.0], ["IT", 9, 80.0]]
    assert suggest_chart(["country", "customer_id", "revenue"], rows) == {
        "kind": "bar",
        "x": "country",
        "y": ["revenue"],
    }


def test_no_chart_for_many_categories_one_row_or_no_numbers():
    many = [[f"customer {i}", i] for i in range(50)]
    assert suggest_chart(["name", "orders"], many) is None
    assert suggest_chart(["country", "n"], [["DE", 1]]) is None
    assert suggest_chart(["name", "email"], [["a", "a@x"], ["b", "b@x"]]) is None
