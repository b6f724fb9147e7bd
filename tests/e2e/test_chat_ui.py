"""The chat UI against the real stack with the offline demo model: what a user sees and does."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from support.keys import HEADERS_A, KEY_A

pytestmark = pytest.mark.e2e

COUNT_QUESTION = "How many customers are there?"
LONG_QUESTION = "Revenue per month"  # a long table answer: ~15 s of tokens at 20 words/s
MEDIUM_QUESTION = "Total revenue per country"


def ask(page: Page, question: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(question)
    box.press("Enter")


def last_answer(page: Page):
    return page.get_by_test_id("assistant-message").last


def wait_status(page: Page, status: str, timeout: float = 30_000) -> None:
    expect(last_answer(page)).to_have_attribute("data-status", status, timeout=timeout)


def record_partials(page: Page) -> None:
    """Collects every distinct text of the streaming answer (proves it arrives incrementally)."""
    page.evaluate(
        """() => {
        window.__partials = []
        new MutationObserver(() => {
          const all = document.querySelectorAll('[data-testid=answer-text]')
          const t = all.length ? all[all.length - 1].innerText : ''
          if (t && window.__partials[window.__partials.length - 1] !== t) window.__partials.push(t)
        }).observe(document.body, { subtree: true, childList: true, characterData: true })
    }"""
    )


def current_session_id(page: Page) -> str:
    active = page.locator(".session-item--active")
    expect(active).to_have_count(1)
    return active.get_attribute("data-session-id")


def answer_text(page: Page) -> str:
    return last_answer(page).get_by_test_id("answer-text").inner_text()


def test_question_streams_text_with_tool_step_and_result_table(page: Page, shot):
    expect(page.get_by_test_id("demo-badge")).to_contain_text("Offline demo model")
    record_partials(page)
    ask(page, COUNT_QUESTION)
    wait_status(page, "completed")

    assert re.search(r"There are [\d,]+ customers", answer_text(page))
    partials = page.evaluate("window.__partials")
    assert len(partials) >= 3, f"answer did not stream: {partials}"
    step = last_answer(page).locator('[data-testid=tool-step][data-tool-name="run_query"]')
    expect(step).to_have_attribute("data-state", "done")
    expect(step.locator(".language-sql")).to_contain_text("customers")
    expect(step.get_by_test_id("tool-duration")).to_have_text(re.compile(r"\d+(\.\d)? m?s"))
    preview = step.get_by_test_id("result-preview")
    expect(preview.get_by_role("cell")).to_have_count(1)
    expect(last_answer(page).get_by_test_id("result-table")).to_have_count(0)  # the text says it
    expect(page.get_by_test_id("session-item")).not_to_have_count(0)
    shot(page, "01-answer-with-tool-step")

    page.get_by_test_id("theme-toggle").click()
    shot(page, "02-answer-dark-theme")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "02b-answer-narrow-screen")


def test_stop_keeps_the_partial_answer_marked_stopped(page: Page, shot):
    ask(page, LONG_QUESTION)
    text = last_answer(page).get_by_test_id("answer-text")
    expect(text).to_have_text(re.compile(r"\S{3,}.*\S{3,}.*\S{3,}", re.S), timeout=20_000)
    page.get_by_test_id("stop-button").click()
    wait_status(page, "cancelled", timeout=15_000)

    expect(last_answer(page).get_by_test_id("answer-status")).to_have_text("Stopped")
    partial = answer_text(page)
    assert partial.strip()
    page.wait_for_timeout(1500)
    assert answer_text(page) == partial, "text kept growing after Stop"
    expect(page.get_by_test_id("send-button")).to_be_visible()
    shot(page, "03-stopped")

    page.reload()  # the stopped answer is part of the stored conversation
    wait_status(page, "cancelled")
    expect(last_answer(page).get_by_test_id("answer-status")).to_have_text("Stopped")


def test_reload_mid_answer_resumes_without_duplicate_text(page: Page, shot):
    ask(page, MEDIUM_QUESTION)
    text = last_answer(page).get_by_test_id("answer-text")
    expect(text).to_contain_text("revenue", ignore_case=True, timeout=20_000)
    before = answer_text(page)
    page.reload()
    expect(last_answer(page).get_by_test_id("answer-text")).to_contain_text(before[:20])
    shot(page, "04-resumed-mid-answer")
    wait_status(page, "completed")
    resumed = answer_text(page)
    expect(page.get_by_test_id("user-message")).to_have_count(1)

    page.reload()  # now rendered from the stored transcript: must be the same text
    wait_status(page, "completed")
    assert answer_text(page) == resumed
    assert resumed.count("Revenue per country:") == 1, "resumed answer repeats its beginning"
    shot(page, "05-resumed-completed")

    result = last_answer(page).get_by_test_id("result-view")
    expect(result).to_have_count(1)
    result.get_by_test_id("view-bar").click()
    expect(result.get_by_test_id("result-chart").locator("canvas")).to_be_visible()
    result.scroll_into_view_if_needed()
    shot(page, "06-result-bar-chart")


def test_switching_sessions_shows_each_history(page: Page, shot):
    ask(page, COUNT_QUESTION)
    wait_status(page, "completed")
    first_id = current_session_id(page)

    page.get_by_test_id("new-chat").click()
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    ask(page, "How many products are there?")
    wait_status(page, "completed")
    second_id = current_session_id(page)
    assert second_id != first_id
    expect(page.locator(f'[data-testid=session-item][data-session-id="{first_id}"]')).to_be_visible()

    page.locator(f'[data-testid=session-item][data-session-id="{first_id}"] .session-item__open').click()
    expect(page.get_by_test_id("user-message")).to_have_text([COUNT_QUESTION])
    wait_status(page, "completed")
    expect(last_answer(page).get_by_test_id("result-preview")).to_be_visible()
    expect(page.locator(f'[data-testid=session-item][data-session-id="{first_id}"]')).to_have_class(
        re.compile("session-item--active")
    )
    shot(page, "07-session-history")

    page.locator(f'[data-testid=session-item][data-session-id="{second_id}"] .session-item__open').click()
    expect(page.get_by_test_id("user-message")).to_have_text(["How many products are there?"])

    page.locator(f'[data-testid=session-item][data-session-id="{second_id}"]').get_by_test_id(
        "session-delete"
    ).click()
    expect(page.locator(f'[data-testid=session-item][data-session-id="{second_id}"]')).to_have_count(0)
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    status = page.request.get(f"/ai/api/sessions/{second_id}", headers=HEADERS_A).status
    assert status == 404


def test_wrong_key_shows_the_key_prompt(keyless_page: Page, shot):
    page = keyless_page
    dialog = page.get_by_test_id("api-key-dialog")
    expect(dialog).to_contain_text("Enter your API key")
    page.get_by_label("API key", exact=True).fill("wrong-key")
    page.get_by_test_id("api-key-save").click()
    ask(page, COUNT_QUESTION)

    expect(dialog).to_contain_text("API key rejected")
    expect(page.get_by_test_id("error-notice")).to_have_attribute("data-kind", "auth")
    shot(page, "08-wrong-key")

    page.get_by_label("API key", exact=True).fill(KEY_A)
    page.get_by_test_id("api-key-save").click()
    page.get_by_test_id("retry-button").click()
    wait_status(page, "completed")
    expect(page.get_by_test_id("user-message")).to_have_count(1)


def test_gateway_restart_mid_answer_is_rejoined_without_loss(page: Page, stack, shot):
    """Last on purpose: restarts the module's gateway (SIGTERM → reconnect frame → rejoin on the new one)."""
    page.evaluate(
        """() => {
        window.__statuses = []
        new MutationObserver(() => {
          for (const el of document.querySelectorAll('[data-testid=answer-status]')) window.__statuses.push(el.textContent)
        }).observe(document.body, { subtree: true, childList: true, characterData: true })
    }"""
    )
    ask(page, LONG_QUESTION)
    expect(last_answer(page).get_by_test_id("answer-text")).to_contain_text("month", timeout=20_000)
    port = stack.ports[0]
    stack.gateways[0].stop()  # drains: open streams get `retry: 1000` + `event: reconnect`
    stack.start_gateway(port=port)
    wait_status(page, "completed", timeout=60_000)
    assert any("reconnecting" in s for s in page.evaluate("window.__statuses")), "never showed reconnecting"
    streamed = answer_text(page)

    page.reload()  # the stored transcript is the reference: same text, nothing lost or doubled
    wait_status(page, "completed")
    assert answer_text(page) == streamed
    shot(page, "09-after-gateway-restart")
