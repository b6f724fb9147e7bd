"""Follow-scroll while an answer streams, in the browser on the real stack: the view stays at the
bottom as text arrives; a user who scrolls up is left where they are and gets "Jump to latest", which
brings them back and follows again. Answers stream slowly here so there is time to act mid-answer; the
phone size makes the first answer taller than the message list, so the second one streams below the fold.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

DEMO_TOKENS_PER_S = "12"
PHONE = {"width": 390, "height": 844}
AT_BOTTOM_PX = 24
"""The same tolerance the UI uses to decide that the user is at the bottom."""


def gap_below(page: Page) -> dict:
    """How far the message list is from its bottom, and how tall its content is."""
    return page.get_by_test_id("message-list").evaluate(
        "el => ({gap: el.scrollHeight - el.scrollTop - el.clientHeight, top: el.scrollTop,"
        " height: el.scrollHeight})"
    )


def ask(page: Page, question: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(question)
    box.press("Enter")


def overflowing_conversation(page: Page) -> None:
    """One completed long answer (taller than the phone's message list), then a second one streaming."""
    page.set_viewport_size(PHONE)
    ask(page, "Revenue per month")
    expect(page.get_by_test_id("assistant-message").last).to_have_attribute(
        "data-status", "completed", timeout=60_000
    )
    ask(page, "Total revenue per country")
    expect(page.get_by_test_id("answer-text").last).not_to_be_empty(timeout=30_000)
    assert page.get_by_test_id("assistant-message").last.get_attribute("data-status") == "streaming"


def test_streaming_answer_keeps_the_view_at_the_bottom(page: Page, shot):
    overflowing_conversation(page)
    samples = []
    while page.get_by_test_id("assistant-message").last.get_attribute("data-status") == "streaming":
        samples.append(gap_below(page))
        page.wait_for_timeout(150)
    assert len(samples) >= 5, "the answer finished before it could be watched"
    assert samples[-1]["height"] > samples[0]["height"], "the content did not grow while sampled"
    assert max(s["gap"] for s in samples) < AT_BOTTOM_PX, samples
    expect(page.get_by_test_id("jump-latest")).to_have_count(0)
    page.wait_for_timeout(300)  # layout after the complete event
    assert gap_below(page)["gap"] < AT_BOTTOM_PX
    shot(page, "follow-phone-streamed-to-bottom")


def test_scrolling_up_mid_answer_holds_the_view_until_jump_to_latest(page: Page, shot):
    overflowing_conversation(page)
    listing = page.get_by_test_id("message-list")
    listing.hover()
    page.mouse.wheel(0, -600)
    jump = page.get_by_test_id("jump-latest")
    expect(jump).to_be_visible()
    answer = page.get_by_test_id("answer-text").last
    held, held_text = gap_below(page), answer.inner_text()
    expect(page.get_by_test_id("assistant-message").last).to_have_attribute(
        "data-status", "completed", timeout=60_000
    )  # the rest of the answer arrives meanwhile
    page.wait_for_timeout(300)
    assert len(answer.inner_text()) > len(held_text), "no text arrived while scrolled up"
    # not followed: still far from the bottom (scroll anchoring may shift it a little as the live
    # parts above settle at the end, which is not following)
    assert gap_below(page)["gap"] > held["gap"] - 100 > AT_BOTTOM_PX, (
        "the view followed although the user had scrolled up"
    )
    expect(jump).to_be_visible()
    box = jump.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"], "the jump button is out of view"
    shot(page, "follow-phone-scrolled-up")

    jump.click()
    expect(jump).to_have_count(0)
    assert gap_below(page)["gap"] < AT_BOTTOM_PX
