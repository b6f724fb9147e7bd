"""One chat end to end on each database the analytics tools claim: the stack (gateway, worker, MCP server) with
DATABASE_URL on the sample in SQLite, PostgreSQL or MariaDB (as the read-only role), driven in the browser. The
demo model's SQL is transpiled for the database, and the answer carries the numbers the database computes."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect
from support.keys import KEY_A

from agent_service.tools.analytics.sample_db import ensure_sample_db
from tests.e2e.conftest import _open

pytestmark = pytest.mark.e2e

DIALECT_FUNCTION = {"sqlite": "strftime", "postgresql": "TO_CHAR", "mariadb": "DATE_FORMAT"}


@pytest.fixture(scope="module")
def expected_months(tmp_path_factory) -> list[tuple[str, float]]:
    path = ensure_sample_db(tmp_path_factory.mktemp("expected") / "sample.db")
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT strftime('%Y-%m', order_date) AS m, ROUND(SUM(total), 2) FROM orders WHERE status <> 'cancelled' "
            "AND order_date >= '2024-01-01' AND order_date < '2025-01-01' GROUP BY m ORDER BY m"
        ).fetchall()


def test_a_chat_answers_from_the_database_in_its_dialect(database_stack, browser, expected_months, shot):
    database, url = database_stack
    context, page, errors = _open(browser, url, KEY_A)
    try:
        box = page.get_by_role("textbox", name="Message")
        box.fill("Revenue per month in 2024")
        box.press("Enter")
        answer = page.get_by_test_id("assistant-message").last
        expect(answer).to_have_attribute("data-status", "completed", timeout=60_000)
        step = answer.locator('[data-testid=tool-step][data-tool-name="run_query"]')
        expect(step).to_have_attribute("data-state", "done")
        expect(step.locator(".language-sql")).to_contain_text(DIALECT_FUNCTION[database.kind])
        text = answer.inner_text()
        for month, revenue in expected_months[:10]:  # the answer's table shows 10 rows a page
            assert f"{month}\t{revenue:,.2f}" in text, (month, revenue)
        total = round(sum(r for _, r in expected_months), 2)
        assert f"Total across 12 groups: {total:,.2f}." in text
        assert "2023-" not in text
        shot(page, f"db-{database.kind}-revenue-per-month-2024")
    finally:
        context.close()
    assert not errors, f"uncaught page errors: {errors}"
