"""Editing an earlier question of a long conversation, in the browser against the real stack: the
turns that followed it stay reachable under its earlier version, shown read-only, and the model sees
only the new branch. Laptop and phone, both themes; the version switcher keeps its place and size."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_chat_ui import COUNT_QUESTION, answer_text
from tests.e2e.test_layout import SIZES, ask_and_wait, axe_violations

pytestmark = pytest.mark.e2e

DEMO_TOKENS_PER_S = "0"
QUESTIONS = [COUNT_QUESTION, "Revenue per month", "Total revenue per country"]
EDITED = "How many products are there?"


def flipper_geometry(page: Page) -> dict:
    """The switcher of the first turn: its box, its buttons' boxes, and the answer it sits under."""
    flipper = page.get_by_test_id("version-flipper").first
    answer = page.get_by_test_id("assistant-message").first
    return {
        "box": flipper.bounding_box(),
        "buttons": [b.bounding_box() for b in flipper.get_by_role("button").all()],
        "label": flipper.get_by_test_id("version-label").bounding_box(),
        "answer": answer.bounding_box(),
    }


def assert_usable_switcher(geometry: dict) -> None:
    box, answer, label = geometry["box"], geometry["answer"], geometry["label"]
    assert box["x"] >= answer["x"] - 0.5 and box["x"] + box["width"] <= answer["x"] + answer["width"] + 0.5
    centre = label["y"] + label["height"] / 2
    for button in geometry["buttons"]:
        assert button["width"] >= 24 and button["height"] >= 24, button  # WCAG 2.2 target size
        assert abs(button["y"] + button["height"] / 2 - centre) <= 2, "buttons and label on one line"
    left, right = geometry["buttons"]
    assert left["x"] + left["width"] <= label["x"] + 0.5 and label["x"] + label["width"] <= right["x"] + 0.5


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_an_edited_first_question_keeps_the_later_turns_under_its_earlier_version(page: Page, shot, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    for question in QUESTIONS:
        ask_and_wait(page, question)
    page.get_by_test_id("user-message").first.scroll_into_view_if_needed()
    page.get_by_test_id("edit-button").first.click()
    page.get_by_test_id("edit-input").fill(EDITED)
    page.get_by_test_id("edit-input").press("Enter")
    expect(page.get_by_test_id("assistant-message").last).to_have_attribute("data-status", "completed")
    expect(page.get_by_test_id("user-message")).to_have_count(1)
    expect(page.get_by_test_id("version-label")).to_have_text("2/2")
    ask_and_wait(page, "What did I ask before?")  # the model sees the new branch only
    assert EDITED in answer_text(page) and "Revenue per month" not in answer_text(page)

    page.get_by_test_id("version-flipper").first.scroll_into_view_if_needed()
    before = flipper_geometry(page)
    assert_usable_switcher(before)
    page.get_by_role("button", name="Previous version").first.click()
    branch = page.get_by_test_id("earlier-branch")
    expect(branch.get_by_test_id("user-message")).to_have_text(QUESTIONS)
    expect(page.get_by_test_id("version-label").first).to_have_text("1/2")
    after = flipper_geometry(page)
    assert abs(after["box"]["y"] - before["box"]["y"]) <= 2, "the switcher moved away from the pointer"
    assert_usable_switcher(after)
    expect(page.get_by_test_id("earlier-branch-note")).to_contain_text("continues from the latest")
    expect(page.get_by_test_id("edit-button")).to_have_count(0)
    expect(page.get_by_test_id("regenerate-button")).to_have_count(0)
    expect(branch.get_by_test_id("feedback")).to_have_count(0)
    shot(page, f"46-earlier-branch-{size}-light")
    assert axe_violations(page) == []

    branch.get_by_test_id("assistant-message").last.scroll_into_view_if_needed()
    note = page.get_by_test_id("earlier-branch-note").bounding_box()
    assert note and note["y"] >= 0, "the note stays in view while the old branch scrolls"
    page.get_by_test_id("theme-toggle").click()
    shot(page, f"47-earlier-branch-{size}-dark")
    assert axe_violations(page) == []

    page.reload()  # the branch is the server's transcript, not this tab's memory
    page.get_by_role("button", name="Previous version").first.click()
    expect(page.get_by_test_id("earlier-branch").get_by_test_id("user-message")).to_have_text(QUESTIONS)
    page.get_by_test_id("show-latest").click()
    expect(page.get_by_test_id("earlier-branch")).to_have_count(0)
    expect(page.get_by_test_id("user-message")).to_have_text([EDITED, "What did I ask before?"])
