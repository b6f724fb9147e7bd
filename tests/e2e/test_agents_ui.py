"""The agent picker in the browser against the real stack (one worker running the built-in `analytics`
and `chat` agents, the offline demo model): a new chat picks its agent and is answered by it, the
conversation then shows its agent read-only and keeps it, and the picker fits the header on a laptop and
on a phone, in both themes, beside a long conversation's title (no overflow, no overlap)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_chat_ui import ask, last_answer, wait_status
from tests.e2e.test_layout import LONG_QUESTIONS, SIZES, ask_and_wait, axe_violations

pytestmark = pytest.mark.e2e
DEMO_TOKENS_PER_S = "0"  # agents and layout, not streaming
NO_TOOLS = "answering as an agent without tools"
"""What the demo model says as an agent without tools (agent_service/models/demo_answers.py)."""


def picker(page: Page):
    return page.get_by_role("combobox", name="Agent for this chat")


def test_a_new_chat_with_the_chat_agent_is_answered_by_it_and_keeps_it(page: Page, shot):
    expect(picker(page)).to_have_value("analytics")
    picker(page).select_option("chat")
    expect(page.get_by_role("heading", name="Ask anything")).to_be_visible()
    shot(page, "agents-new-chat-picked")
    ask(page, "Hello there")
    wait_status(page, "completed")
    expect(last_answer(page).get_by_test_id("answer-text")).to_contain_text(NO_TOOLS)
    expect(last_answer(page).get_by_test_id("answer-text")).to_contain_text("Hello there")
    expect(page.get_by_test_id("agent-label")).to_contain_text("chat")
    expect(picker(page)).to_have_count(0)

    ask(page, "Tell me more")  # a later chat in the conversation keeps its agent
    wait_status(page, "completed")
    expect(last_answer(page).get_by_test_id("answer-text")).to_contain_text(NO_TOOLS)

    page.get_by_test_id("new-chat").click()
    expect(picker(page)).to_have_value("chat")  # the pick is remembered for the next new chat
    picker(page).select_option("analytics")
    ask(page, "How many customers are there?")
    wait_status(page, "completed")
    expect(last_answer(page).get_by_test_id("answer-text")).to_contain_text("500")


def header_parts(page: Page) -> list[dict]:
    """The boxes of the header's parts (the heading's title and agent counted one by one)."""
    return page.get_by_test_id("chat-header").evaluate(
        """el => [...el.children].flatMap(c => c.classList.contains('chat__heading') ? [...c.children] : [c])
            .map(c => {
                const r = c.getBoundingClientRect()
                return {name: c.dataset.testid || c.className, x: r.x, y: r.y, w: r.width, h: r.height}
            })"""
    )


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] + a["w"] > b["x"] + 0.5
        and b["x"] + b["w"] > a["x"] + 0.5
        and a["y"] + a["h"] > b["y"] + 0.5
        and b["y"] + b["h"] > a["y"] + 0.5
    )


def assert_header_fits(page: Page, agent_test_id: str) -> None:
    """Every part of the header inside it and the viewport, none overlapping another, the agent and the
    title shown whole, the header one bar of the usual height."""
    header = page.get_by_test_id("chat-header").bounding_box()
    right = min(page.viewport_size["width"], header["x"] + header["width"])
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "the page scrolls sideways"
    parts = [p for p in header_parts(page) if p["w"] > 0]
    assert agent_test_id in [p["name"] for p in parts], parts
    for p in parts:
        assert p["x"] >= header["x"] - 0.5 and p["x"] + p["w"] <= right + 0.5, p
        assert p["y"] >= header["y"] - 0.5 and p["y"] + p["h"] <= header["y"] + header["height"] + 0.5, p
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            assert not overlap(a, b), f"{a['name']} overlaps {b['name']}: {a} {b}"
    for test_id in (agent_test_id, "chat-title"):
        fits = page.get_by_test_id(test_id).evaluate("el => el.scrollWidth <= el.clientWidth")
        assert fits, f"{test_id} is cut short"
    assert header["height"] <= 64, f"the header grew to {header['height']} px"


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_agent_fits_the_header_beside_a_long_conversation_in_both_themes(page: Page, shot, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    assert_header_fits(page, "agent-picker")
    shot(page, f"agents-{size}-new-chat-light")
    for question in LONG_QUESTIONS:
        ask_and_wait(page, question)
    expect(page.get_by_test_id("agent-label")).to_contain_text("analytics")
    assert_header_fits(page, "agent-label")
    shot(page, f"agents-{size}-conversation-light")
    assert axe_violations(page) == []
    page.get_by_test_id("theme-toggle").click()
    assert_header_fits(page, "agent-label")
    shot(page, f"agents-{size}-conversation-dark")
    if size == "phone":
        page.get_by_test_id("menu-button").click()  # "New chat" is in the drawer
    page.get_by_test_id("new-chat").click()
    if size == "phone":
        expect(page.get_by_test_id("sidebar")).not_to_be_in_viewport()
        page.wait_for_timeout(250)  # the drawer slides out (0.2 s)
    expect(picker(page)).to_be_visible()
    assert_header_fits(page, "agent-picker")
    shot(page, f"agents-{size}-new-chat-dark")
    assert axe_violations(page) == []
