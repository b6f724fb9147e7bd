"""The bundled sample database: deterministic, realistic sizes, created once, rebuilt on schema change."""

from __future__ import annotations

import sqlite3

from agent_service.tools.analytics.sample_db import SCHEMA_VERSION, ensure_sample_db, table_counts


def _dump(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_sample_db_has_realistic_row_counts(tmp_path):
    counts = table_counts(ensure_sample_db(tmp_path / "sample.db"))

    assert counts["customers"] == 500
    assert counts["products"] == 60
    assert counts["orders"] == 5000
    assert 14_000 <= counts["order_items"] <= 16_000
    assert counts["support_tickets"] == 800


def test_sample_db_is_identical_on_every_build(tmp_path):
    first = ensure_sample_db(tmp_path / "a" / "sample.db")
    second = ensure_sample_db(tmp_path / "b" / "sample.db")

    assert _dump(first) == _dump(second)


def test_order_totals_equal_the_sum_of_their_items(tmp_path):
    conn = sqlite3.connect(ensure_sample_db(tmp_path / "sample.db"))
    mismatches = conn.execute(
        "SELECT COUNT(*) FROM orders o JOIN (SELECT order_id, ROUND(SUM(quantity * unit_price), 2) AS s "
        "FROM order_items GROUP BY order_id) i ON i.order_id = o.id WHERE ABS(i.s - o.total) > 0.005"
    ).fetchone()[0]
    conn.close()

    assert mismatches == 0


def test_existing_current_db_is_left_untouched(tmp_path):
    path = ensure_sample_db(tmp_path / "sample.db")
    inode = path.stat().st_ino

    ensure_sample_db(path)

    assert path.stat().st_ino == inode


def test_db_with_another_schema_version_is_rebuilt(tmp_path):
    path = tmp_path / "sample.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE legacy (id INTEGER)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 99}")
    conn.commit()
    conn.close()

    ensure_sample_db(path)

    assert "legacy" not in table_counts(path)
    assert table_counts(path)["customers"] == 500


def test_build_leaves_no_temp_files_behind(tmp_path):
    ensure_sample_db(tmp_path / "sample.db")

    assert [p.name for p in tmp_path.iterdir()] == ["sample.db"]
