"""Swagger UI (/ai/api/docs) and ReDoc (/ai/api/redoc) render the gateway's operations in chromium from
assets the gateway serves itself, under the gateway's strict CSP: no request leaves the origin, and the
browser reports no CSP violation (console or `securitypolicyviolation` event) and no page error."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

DEMO_TOKENS_PER_S = "0"
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture
def docs_page(browser, stack_url):
    context = browser.new_context(base_url=stack_url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    hosts: set[str] = set()
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if "Content Security Policy" in msg.text or msg.type == "error"
            else None
        ),
    )
    page.on("request", lambda req: hosts.add(urlparse(req.url).netloc))
    yield page, problems, hosts
    context.close()


def _clean(page, problems, hosts, stack_url) -> None:
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []
    assert hosts <= {urlparse(stack_url).netloc, ""}


def test_swagger_ui_renders_the_operations_without_csp_violations(docs_page, stack_url):
    page, problems, hosts = docs_page
    response = page.goto("/ai/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".opblock-summary-path", has_text="/ai/api/chat/stream").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/ai/api/tasks/{task_id}/cancel")).to_be_visible()
    _clean(page, problems, hosts, stack_url)


def test_redoc_renders_the_operations_without_csp_violations(docs_page, stack_url):
    page, problems, hosts = docs_page
    response = page.goto("/ai/api/redoc")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_text("/ai/api/chat/stream").first).to_be_attached()
    expect(page.locator("h1", has_text="Agent gateway")).to_be_visible()
    page.wait_for_timeout(500)  # ReDoc starts its search worker after rendering
    _clean(page, problems, hosts, stack_url)
