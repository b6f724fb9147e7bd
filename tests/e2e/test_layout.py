"""The chat layout with a long conversation, on a laptop and on a phone, in both themes: only the
message list scrolls, header and composer stay in view, the drawer works, and axe-core finds no
serious or critical accessibility violations. Answers stream fast here (layout, not streaming)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AXE

pytestmark = pytest.mark.e2e

DEMO_TOKENS_PER_S = "0"
LONG_QUESTIONS = ["Revenue per month", "Total revenue per country", "Top 10 products by revenue"]
SIZES = {"laptop": (1280, 860), "phone": (390, 844)}


def ask_and_wait(page: Page, question: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(question)
    box.press("Enter")
    expect(page.get_by_test_id("assistant-message").last).to_have_attribute(
        "data-status", "completed", timeout=30_000
    )


def inside_viewport(page: Page, box: dict | None) -> bool:
    h = page.viewport_size["height"]
    w = page.viewport_size["width"]
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= h + 0.5
        and box["x"] + box["width"] <= w + 0.5
    )


def assert_fixed_layout(page: Page) -> None:
    page.wait_for_timeout(300)  # follow-scroll after the last layout change
    scroll_h, inner_h = page.evaluate("[document.scrollingElement.scrollHeight, innerHeight]")
    assert scroll_h <= inner_h, f"the page itself scrolls: {scroll_h} > {inner_h}"
    header = page.get_by_test_id("chat-header").bounding_box()
    assert header and header["y"] >= 0 and header["height"] > 0, header
    assert inside_viewport(page, page.locator(".composer").bounding_box())
    last_line = page.get_by_test_id("answer-text").last.locator(".markdown > :last-child")
    assert inside_viewport(page, last_line.bounding_box()), "the latest answer's last line is out of view"


def axe_violations(page: Page) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` in frontend/")
    # evaluate, not add_script_tag: the gateway's CSP (rightly) refuses inline scripts
    page.evaluate(AXE.read_text() + "\n;0")
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:120]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_long_conversation_keeps_header_composer_and_latest_line_in_view(page: Page, shot, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    for q in LONG_QUESTIONS:
        ask_and_wait(page, q)
    assert_fixed_layout(page)
    title_fits = page.get_by_test_id("chat-title").evaluate("el => el.scrollWidth <= el.clientWidth")
    assert title_fits, "the header cuts the conversation's title short"
    shot(page, f"layout-{size}-light")
    assert axe_violations(page) == []
    page.get_by_test_id("theme-toggle").click()
    assert_fixed_layout(page)
    shot(page, f"layout-{size}-dark")
    assert axe_violations(page) == []


def test_phone_drawer_lists_conversations_and_switches_between_them(page: Page, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    ask_and_wait(page, "How many customers are there?")
    menu = page.get_by_test_id("menu-button")
    menu.click()
    page.get_by_test_id("new-chat").click()
    expect(page.get_by_test_id("sidebar")).not_to_be_in_viewport()
    ask_and_wait(page, "How many products are there?")

    menu.click()
    drawer = page.get_by_test_id("sidebar")
    expect(drawer).to_be_in_viewport()
    expect(drawer.get_by_test_id("session-item").filter(has_text="How many")).to_have_count(2)
    expect(drawer.get_by_role("heading", name="Today")).to_be_visible()
    # the list was refreshed on the answer's terminal event: the answer must already be counted
    current = drawer.get_by_test_id("session-item").filter(has_text="How many products are there?")
    expect(current).to_contain_text("2 messages")
    # the drawer slides in (0.2 s): shoot it where it stops, not mid-slide
    for _ in range(40):
        if drawer.bounding_box()["x"] >= 0:
            break
        page.wait_for_timeout(25)
    page.wait_for_timeout(100)
    shot(page, "drawer-phone-light")
    assert axe_violations(page) == []
    drawer.get_by_text("How many customers are there?").first.click()
    expect(page.get_by_test_id("user-message")).to_have_text(["How many customers are there?"])
    expect(drawer).not_to_be_in_viewport()

    menu.click()
    page.keyboard.press("Escape")
    expect(drawer).not_to_be_in_viewport()
    expect(menu).to_be_focused()


def test_key_dialog_passes_axe_in_both_themes(keyless_page: Page, shot):
    page = keyless_page
    expect(page.get_by_test_id("api-key-dialog")).to_be_visible()
    shot(page, "key-dialog-light")
    assert axe_violations(page) == []
    page.emulate_media(color_scheme="dark")
    page.reload()
    expect(page.get_by_test_id("api-key-dialog")).to_be_visible()
    shot(page, "key-dialog-dark")
    assert axe_violations(page) == []
