"""A chat the gateway refuses with 429 says in plain words which limit it hit, with the wait from
Retry-After, and stays readable clear of the composer on a laptop and on a phone, in both themes.
The gateway here allows no new chats through its key (KEY_RATE_LIMIT=0/minute), so every chat is refused
with "key_rate" and a Retry-After of up to a minute."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from devstack.processes import Stack
from tests.e2e.conftest import running_stack

pytestmark = pytest.mark.e2e

SIZES = {"laptop": (1280, 860), "phone": (390, 844)}
KEY_RATE_SENTENCE = re.compile(r"This API key's chat limit is used up for now — try again in \d+ s\.")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack("0", KEY_RATE_LIMIT="0/minute") as running:
        yield running


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def assert_clear_of_the_composer(page: Page) -> None:
    notice = page.get_by_test_id("error-notice").last.bounding_box()
    composer = page.locator(".composer").bounding_box()
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert notice and composer, (notice, composer)
    assert notice["x"] >= 0 and notice["y"] >= 0, notice
    assert notice["x"] + notice["width"] <= width + 0.5, (notice, width)
    assert notice["y"] + notice["height"] <= height + 0.5, (notice, height)
    assert not overlaps(notice, composer), (notice, composer)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_a_refused_chat_names_the_keys_rate_limit_in_view_above_the_composer(page: Page, shot, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    box = page.get_by_role("textbox", name="Message")
    box.fill("How many customers are there?")
    box.press("Enter")

    notice = page.get_by_test_id("error-notice").last
    expect(notice).to_have_attribute("data-kind", "limited")
    expect(notice).to_contain_text(KEY_RATE_SENTENCE)
    expect(notice.get_by_test_id("retry-button")).to_be_disabled()  # until Retry-After has passed
    expect(page.get_by_test_id("regenerate-button")).to_have_count(0)  # nothing ran: there is no turn to redo
    page.wait_for_timeout(300)  # follow-scroll after the notice appeared
    assert_clear_of_the_composer(page)
    shot(page, f"limits-{size}-light")

    page.get_by_test_id("theme-toggle").click()
    assert_clear_of_the_composer(page)
    shot(page, f"limits-{size}-dark")
