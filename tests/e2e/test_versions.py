"""Regenerate, edit-and-resend and a second tab in the browser, against the real stack (the demo model
answers "What did I ask before?" from the history it is given, so an edit's cut is visible in the answer)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_chat_ui import (
    COUNT_QUESTION,
    LONG_QUESTION,
    MEDIUM_QUESTION,
    answer_text,
    ask,
    current_session_id,
    last_answer,
    wait_status,
)
from tests.e2e.test_layout import axe_violations

pytestmark = pytest.mark.e2e
NARROW = {"width": 390, "height": 844}
HISTORY_QUESTION = "What did I ask before?"


def test_regenerate_keeps_the_question_and_flips_between_answers(page: Page, shot):
    ask(page, COUNT_QUESTION)
    wait_status(page, "completed")
    first = last_answer(page).get_attribute("data-task-id")
    last_answer(page).get_by_test_id("regenerate-button").click()
    wait_status(page, "completed")
    expect(page.get_by_test_id("user-message")).to_have_count(1)
    expect(page.get_by_test_id("user-message")).to_contain_text(COUNT_QUESTION)
    expect(last_answer(page)).not_to_have_attribute("data-task-id", first)
    expect(page.get_by_test_id("version-label")).to_have_text("2/2")
    shot(page, "40-regenerated-answer")
    page.get_by_role("button", name="Previous version").click()
    expect(page.get_by_test_id("version-label")).to_have_text("1/2")
    expect(last_answer(page)).to_have_attribute("data-task-id", first)
    expect(page.get_by_test_id("regenerate-button")).to_have_count(0)
    page.set_viewport_size(NARROW)
    page.reload()  # the versions are the server's transcript, not this tab's memory
    expect(page.get_by_test_id("version-label")).to_have_text("2/2")
    shot(page, "41-regenerated-answer-narrow")
    assert axe_violations(page) == []


def test_edit_and_resend_cuts_the_conversation_for_the_model_too(page: Page, shot):
    ask(page, COUNT_QUESTION)
    wait_status(page, "completed")
    ask(page, MEDIUM_QUESTION)
    wait_status(page, "completed")
    page.get_by_test_id("edit-button").nth(1).click()
    editor = page.get_by_test_id("edit-input")
    expect(editor).to_have_value(MEDIUM_QUESTION)
    editor.fill(HISTORY_QUESTION)
    shot(page, "42-edit-inline")
    editor.press("Enter")
    wait_status(page, "completed")
    questions = page.get_by_test_id("user-message")
    expect(questions).to_have_count(2)
    expect(questions.nth(1)).to_contain_text(HISTORY_QUESTION)
    assert COUNT_QUESTION in answer_text(page) and MEDIUM_QUESTION not in answer_text(page)
    expect(page.get_by_test_id("version-label")).to_have_text("2/2")
    shot(page, "43-edited-turn")
    page.set_viewport_size(NARROW)
    page.reload()
    page.get_by_role("button", name="Previous version").click()
    expect(questions.nth(1)).to_contain_text(MEDIUM_QUESTION)
    expect(page.get_by_test_id("version-label")).to_have_text("1/2")
    questions.nth(1).scroll_into_view_if_needed()
    shot(page, "44-earlier-version-narrow")


def test_edit_is_cancelled_with_escape(page: Page):
    ask(page, COUNT_QUESTION)
    wait_status(page, "completed")
    page.get_by_test_id("edit-button").click()
    page.get_by_test_id("edit-input").fill("something else")
    page.get_by_test_id("edit-input").press("Escape")
    expect(page.get_by_test_id("edit-input")).to_have_count(0)
    expect(page.get_by_test_id("user-message")).to_contain_text(COUNT_QUESTION)
    expect(page.get_by_test_id("version-flipper")).to_have_count(0)


def test_a_second_tab_shows_the_question_and_the_live_answer(page: Page, shot):
    ask(page, LONG_QUESTION)
    expect(last_answer(page)).to_have_attribute("data-status", "streaming")
    session_id = current_session_id(page)
    other = page.context.new_page()  # same user (localStorage), its own tab state (sessionStorage)
    other.goto("/ai/static/")
    other.locator(f'[data-testid=session-item][data-session-id="{session_id}"]').click()
    expect(other.get_by_test_id("user-message")).to_contain_text(LONG_QUESTION)
    expect(last_answer(other)).to_have_attribute("data-status", "streaming")
    shot(other, "45-second-tab-live")
    wait_status(other, "completed", timeout=60_000)
    wait_status(page, "completed", timeout=60_000)
    assert answer_text(other) == answer_text(page)
    other.close()
