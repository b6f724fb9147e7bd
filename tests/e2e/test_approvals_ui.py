"""Approving a write in the browser against the real stack (the `tasks` agent over the task list MCP
server, the offline demo model): the run pauses with an approval card (the sentence, the tool and its
arguments, the time left, Approve / Reject), Approve resumes it on the same stream and the task is
added, which "list my tasks" then shows; the card fits a laptop and a phone in both themes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_agents_ui import picker
from tests.e2e.test_chat_ui import ask, last_answer, wait_status
from tests.e2e.test_layout import SIZES, axe_violations

pytestmark = pytest.mark.e2e
DEMO_TOKENS_PER_S = "0"


def card(page: Page):
    return last_answer(page).get_by_test_id("approval-card")


def assert_card_fits(page: Page) -> None:
    """The card and everything in it inside the viewport and the card (no sideways scrolling anywhere),
    its buttons side by side and big enough to tap."""
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "the page scrolls sideways"
    width = page.viewport_size["width"]
    box = card(page).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
    assert card(page).evaluate("el => el.scrollWidth <= el.clientWidth"), "the card's content overflows it"
    fits = page.get_by_test_id("message-list").evaluate("el => el.scrollWidth <= el.clientWidth")
    assert fits, "the conversation scrolls sideways"
    parts = card(page).evaluate(
        """el => [...el.querySelectorAll('p, code, dl, button')].map(c => {
            const r = c.getBoundingClientRect()
            return {name: c.dataset.testid || c.className || c.tagName, x: r.x, w: r.width, y: r.y, h: r.height}
        })"""
    )
    for p in parts:
        if p["w"] > 0:
            assert p["x"] >= box["x"] - 0.5 and p["x"] + p["w"] <= box["x"] + box["width"] + 0.5, p
    approve, reject = (page.get_by_test_id(t).bounding_box() for t in ("approve-button", "reject-button"))
    assert abs(approve["y"] - reject["y"]) < 1 and approve["x"] + approve["width"] <= reject["x"], (
        approve,
        reject,
    )
    assert approve["height"] >= 32 and reject["height"] >= 32, (approve, reject)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_an_approved_write_adds_the_task_and_the_card_fits_in_both_themes(page: Page, shot, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    picker(page).select_option("tasks")
    title = f"buy milk on the {size}"
    ask(page, f"add a task {title}")

    expect(card(page)).to_have_attribute("data-state", "open")
    expect(card(page).get_by_test_id("approval-message")).to_have_text(
        f"Add the task “{title}” to your list?"
    )
    expect(card(page).get_by_test_id("approval-tool")).to_have_text("add_task")
    expect(card(page).get_by_test_id("approval-arguments")).to_contain_text(f"title:{title}")
    expect(card(page).get_by_role("timer")).to_contain_text("Expires in 1")  # APPROVAL_TTL_S: 15 min
    expect(last_answer(page).get_by_test_id("answer-status")).to_have_text("Waiting for your approval…")
    assert_card_fits(page)
    shot(page, f"approval-{size}-light")
    assert axe_violations(page) == []
    page.get_by_test_id("theme-toggle").click()
    assert_card_fits(page)
    shot(page, f"approval-{size}-dark")
    assert axe_violations(page) == []

    card(page).get_by_role("button", name="Approve").click()
    wait_status(page, "completed")
    expect(card(page)).to_have_attribute("data-state", "approved")
    expect(card(page).get_by_role("button")).to_have_count(0)
    expect(last_answer(page).get_by_test_id("answer-text")).to_contain_text(f"“{title}”")
    expect(last_answer(page).get_by_test_id("tool-step")).to_have_attribute("data-state", "done")

    ask(page, "list my tasks")
    wait_status(page, "completed")
    expect(last_answer(page).get_by_test_id("answer-text")).to_contain_text(title)
    expect(last_answer(page).get_by_test_id("approval-card")).to_have_count(0)  # reading needs no approval


def test_a_rejected_write_is_not_made_and_the_model_says_so(page: Page):
    picker(page).select_option("tasks")
    ask(page, "add a task water the plants")
    card(page).get_by_role("button", name="Reject…").click()
    card(page).get_by_role("textbox", name="Reason (optional)").fill("not now")
    card(page).get_by_role("button", name="Reject", exact=True).click()
    wait_status(page, "completed")
    expect(card(page)).to_have_attribute("data-state", "rejected")
    expect(last_answer(page).get_by_test_id("answer-text")).to_contain_text("did not do that")
    ask(page, "list my tasks")
    wait_status(page, "completed")
    expect(last_answer(page).get_by_test_id("answer-text")).not_to_contain_text("water the plants")
