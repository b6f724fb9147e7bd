"""Ask about your own file, in the browser on the real stack: the paperclip attaches a CSV (a chip in the
composer), the question goes out with it as a file part, the offline demo model counts the rows of the
uploaded table and a follow-up ranks them; a file over the limit is refused before sending. On a laptop
and on a phone, in both themes; on the phone the composer with a chip stays inside the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_layout import SIZES, axe_violations

pytestmark = pytest.mark.e2e

DEMO_TOKENS_PER_S = "0"
ROWS = 23
SALES = "region,amount\n" + "".join(f"r{i % 3},{(i * 7) % 50}\n" for i in range(ROWS))


def attach(page: Page, name: str, content: str) -> None:
    page.get_by_test_id("attach-input").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
    )


def assert_composer_fits(page: Page) -> None:
    """The composer, its chip, field and buttons lie inside the viewport, side by side, not overlapping."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    composer = page.locator(".composer").bounding_box()
    assert composer and composer["x"] >= 0 and composer["x"] + composer["width"] <= width + 0.5
    assert composer["y"] + composer["height"] <= height + 0.5, composer
    attach_button = page.get_by_test_id("attach-button").bounding_box()
    field = page.get_by_test_id("composer-input").bounding_box()
    send = page.get_by_test_id("send-button").bounding_box()
    chip = page.locator(".composer").get_by_test_id("attachment-chip").bounding_box()
    assert attach_button["x"] + attach_button["width"] <= field["x"] + 0.5 <= send["x"], (
        attach_button,
        field,
        send,
    )
    assert chip["y"] + chip["height"] <= field["y"] + 0.5, "the chip overlaps the text field"
    assert chip["x"] >= field["x"] - 0.5 and chip["x"] + chip["width"] <= send["x"], chip
    assert field["width"] >= 150, f"the text field is squeezed to {field['width']} px"
    assert attach_button["width"] >= 24 and attach_button["height"] >= 24, attach_button


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_a_csv_attached_in_the_composer_is_queried_end_to_end(page: Page, shot, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    attach(page, "sales.csv", SALES)
    chip = page.locator(".composer").get_by_test_id("attachment-chip")
    expect(chip).to_contain_text("sales.csv")
    box = page.get_by_role("textbox", name="Message")
    box.fill("How many rows are in sales.csv?")
    assert_composer_fits(page)
    shot(page, f"upload-composer-{size}-light")

    box.press("Enter")
    answer = page.get_by_test_id("assistant-message").last
    expect(answer).to_have_attribute("data-status", "completed", timeout=30_000)
    expect(answer).to_contain_text(f"has {ROWS} rows")
    expect(chip).to_have_count(0)
    expect(page.get_by_test_id("user-message").last.get_by_test_id("attachment-chip")).to_contain_text(
        "sales.csv"
    )
    shot(page, f"upload-first-answer-{size}-light")

    box.fill("top 3 by amount")
    box.press("Enter")
    expect(page.get_by_test_id("assistant-message").last).to_have_attribute(
        "data-status", "completed", timeout=30_000
    )
    expect(page.get_by_test_id("assistant-message").last).to_contain_text("Top 3 rows of sales.csv by amount")
    shot(page, f"upload-answer-{size}-light")
    assert axe_violations(page) == []

    page.get_by_test_id("theme-toggle").click()
    attach(page, "sales.csv", SALES)
    assert_composer_fits(page)
    shot(page, f"upload-composer-{size}-dark")
    assert axe_violations(page) == []


def test_a_file_over_the_limit_is_refused_before_sending(page: Page):
    attach(page, "big.csv", "x\n" * (1536 * 1024))  # 3 MB: over UPLOAD_MAX_BYTES (2 MB)
    expect(page.get_by_test_id("attach-problem")).to_have_text(
        "big.csv is 3 MB: files up to 2 MB can be attached."
    )
    expect(page.locator(".composer").get_by_test_id("attachment-chip")).to_have_count(0)
