"""Two tabs of the same user on the real stack: a run started in one shows, with its question and its
live answer, in the other tab that has the conversation open; the sidebar there marks it as answering;
neither tab shows any turn twice. The answer streams slowly (20 words/s) so the second tab, which looks
every few seconds (frontend/src/state/sessionSync.ts), joins it while it is still streaming."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from support.keys import KEY_A

from tests.e2e.conftest import _open
from tests.e2e.test_chat_ui import (
    COUNT_QUESTION,
    LONG_QUESTION,
    ask,
    current_session_id,
    last_answer,
    wait_status,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def tabs(browser, stack_url):
    """Two pages of one browser context: one user (the same key), two tabs."""
    context, first, errors = _open(browser, stack_url, KEY_A)
    second = context.new_page()
    second.on("pageerror", lambda exc: errors.append(str(exc)))
    second.goto("/ai/static/")
    yield first, second
    context.close()
    assert not errors, f"uncaught page errors: {errors}"


def questions(page: Page) -> list[str]:
    return page.get_by_test_id("user-message").all_inner_texts()


def test_a_run_started_in_one_tab_streams_in_another_tab_with_the_conversation_open(tabs, shot):
    one, two = tabs
    posts: list[str] = []
    one.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    ask(one, COUNT_QUESTION)
    wait_status(one, "completed")
    session = current_session_id(one)
    item = two.locator(f'[data-testid=session-item][data-session-id="{session}"]')
    item.locator(".session-item__open").click()  # listed here by the look every few seconds
    wait_status(two, "completed")

    ask(one, LONG_QUESTION)
    expect(two.get_by_test_id("user-message").last).to_have_text(LONG_QUESTION, timeout=15_000)
    expect(last_answer(two)).to_have_attribute("data-status", "streaming")
    expect(item.get_by_test_id("session-running")).to_be_visible()
    expect(last_answer(two).get_by_test_id("answer-text")).not_to_be_empty()
    shot(two, "tabs-second-tab-follows")

    wait_status(two, "completed", timeout=60_000)
    wait_status(one, "completed", timeout=60_000)
    answer = last_answer(one).get_by_test_id("answer-text").inner_text()
    assert last_answer(two).get_by_test_id("answer-text").inner_text() == answer
    expect(item.get_by_test_id("session-running")).to_have_count(0, timeout=10_000)
    for page in (one, two):
        assert questions(page) == [COUNT_QUESTION, LONG_QUESTION]
        expect(page.get_by_test_id("assistant-message")).to_have_count(2)
    two.wait_for_timeout(6_000)  # one more look by each tab: still nothing twice
    for page in (one, two):
        expect(page.get_by_test_id("assistant-message")).to_have_count(2)
    assert len([u for u in posts if u.endswith("/ai/api/chat/stream")]) == 2
    shot(two, "tabs-second-tab-complete")
