"""Conversation features in the browser against the real stack: rename and search in the sidebar,
feedback that survives a reload, and a share link read with no credentials in a fresh context."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_chat_ui import (
    COUNT_QUESTION,
    MEDIUM_QUESTION,
    ask,
    current_session_id,
    last_answer,
    wait_status,
)
from tests.e2e.test_layout import axe_violations

pytestmark = pytest.mark.e2e
DEMO_TOKENS_PER_S = "0"  # no streaming behaviour is under test here
NARROW = {"width": 390, "height": 844}


def item(page: Page, session_id: str):
    return page.locator(f'[data-testid=session-item][data-session-id="{session_id}"]')


def test_rename_and_search_in_the_sidebar(page: Page, shot):
    ask(page, COUNT_QUESTION)
    wait_status(page, "completed")
    first = current_session_id(page)
    page.get_by_test_id("new-chat").click()
    ask(page, MEDIUM_QUESTION)
    wait_status(page, "completed")

    item(page, first).get_by_role("button", name=f"Rename conversation: {COUNT_QUESTION}").click()
    field = page.get_by_role("textbox", name="Conversation title")
    field.fill("Customer headcount")
    shot(page, "29-rename-inline")
    field.press("Enter")
    expect(item(page, first).locator(".session-item__title")).to_have_text("Customer headcount")

    search = page.get_by_role("searchbox", name="Search conversations")
    search.fill("headcount")
    results = page.get_by_test_id("search-results")
    expect(results.get_by_test_id("session-item")).to_have_count(1)
    expect(results.get_by_test_id("session-item")).to_have_attribute("data-session-id", first)
    search.fill("revenue country")  # words of the second question, in any order
    expect(results).to_contain_text("1 found")
    expect(results.get_by_test_id("session-item")).not_to_have_attribute("data-session-id", first)
    shot(page, "30-search-results")

    page.reload()  # the new title is the server's, not this tab's
    expect(item(page, first).locator(".session-item__title")).to_have_text("Customer headcount")


def test_thumbs_up_on_an_answer_survives_a_reload(page: Page, shot):
    ask(page, COUNT_QUESTION)
    wait_status(page, "completed")
    up = last_answer(page).get_by_role("button", name="Good answer")
    up.focus()
    page.keyboard.press("Enter")  # keyboard only
    expect(up).to_have_attribute("aria-pressed", "true")
    comment = last_answer(page).get_by_role("textbox", name="Comment on this answer (optional)")
    comment.fill("Right number, quickly")
    comment.press("Enter")
    expect(last_answer(page).get_by_test_id("feedback")).to_contain_text("Right number, quickly")
    shot(page, "31-feedback")
    assert axe_violations(page) == []

    page.reload()
    wait_status(page, "completed")
    expect(last_answer(page).get_by_role("button", name="Good answer")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(last_answer(page).get_by_role("button", name="Bad answer")).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(last_answer(page).get_by_test_id("feedback")).to_contain_text("Right number, quickly")


def test_a_share_link_opens_read_only_with_no_credentials_until_revoked(page: Page, browser, stack_url, shot):
    ask(page, COUNT_QUESTION)
    wait_status(page, "completed")
    answer = last_answer(page).get_by_test_id("answer-text").inner_text()
    page.get_by_role("button", name="Conversation actions").click()
    page.get_by_role("button", name="Create share link").click()
    link = page.get_by_role("textbox", name="Share link").input_value()
    assert "/ai/static/#/shared/" in link
    shot(page, "32-share-menu")

    stranger = browser.new_context(viewport={"width": 1280, "height": 860})  # no key in its storage
    try:
        shared = stranger.new_page()
        errors: list[str] = []
        shared.on("pageerror", lambda exc: errors.append(str(exc)))
        keys_sent: list[str] = []
        shared.on("request", lambda r: keys_sent.append(r.headers.get("x-api-key", "")))
        shared.goto(link)
        view = shared.get_by_test_id("shared-view")
        expect(view.get_by_test_id("shared-badge")).to_have_text("Read-only snapshot")
        expect(view.get_by_test_id("user-message")).to_have_text(COUNT_QUESTION)
        expect(view.get_by_test_id("answer-text")).to_have_text(answer)
        expect(shared.get_by_role("textbox", name="Message")).to_have_count(0)
        expect(shared.get_by_test_id("sidebar")).to_have_count(0)
        expect(shared.get_by_test_id("feedback")).to_have_count(0)
        expect(shared.get_by_test_id("api-key-dialog")).to_have_count(0)
        assert not any(keys_sent), "the shared view sent an API key"
        shot(shared, "33-shared-view")
        assert axe_violations(shared) == []
        shared.get_by_test_id("theme-toggle").click()
        shot(shared, "34-shared-view-dark")
        assert axe_violations(shared) == []
        shared.set_viewport_size(NARROW)
        shot(shared, "35-shared-view-narrow")

        page.get_by_role("button", name="Revoke").click()
        expect(page.get_by_test_id("share-link")).to_have_count(0)
        shared.reload()
        expect(shared.get_by_test_id("shared-error")).to_contain_text("revoked")
        assert not errors, f"uncaught page errors: {errors}"
    finally:
        stranger.close()


def test_the_conversation_menu_and_feedback_fit_a_narrow_screen(page: Page, shot):
    page.set_viewport_size(NARROW)
    ask(page, COUNT_QUESTION)
    wait_status(page, "completed")
    expect(last_answer(page).get_by_role("button", name="Good answer")).to_be_visible()
    page.get_by_role("button", name="Conversation actions").click()
    panel = page.get_by_test_id("conversation-panel")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], box
    shot(page, "36-menu-narrow")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    page.get_by_test_id("theme-toggle").click()
    shot(page, "37-feedback-narrow-dark")
    assert axe_violations(page) == []
