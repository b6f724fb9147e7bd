"""Two users on one gateway, each signed in with a token in their own browser, see only their own
conversations; the header names each. Tokens are real HS256 JWTs the gateway verifies."""

from __future__ import annotations

import time

import jwt
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import running_stack
from tests.e2e.test_chat_ui import COUNT_QUESTION, ask, wait_status

pytestmark = pytest.mark.e2e
SECRET = "e2e-identity-secret-of-32-bytes-or-more"
ISSUER, AUDIENCE = "e2e", "agent-stream"


def token(sub: str, name: str) -> str:
    now = int(time.time())
    claims = {"sub": sub, "name": name, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.fixture(scope="module")
def identity_url():
    env = {"JWT_SECRET": SECRET, "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE}
    with running_stack("0", **env) as stack:
        yield f"http://127.0.0.1:{stack.ports[0]}"


def signed_in(browser, url: str, sub: str, name: str):
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    context.add_init_script(f"window.localStorage.setItem('ai.token', {token(sub, name)!r})")
    page = context.new_page()
    page.goto("/ai/static/")
    return context, page


def test_two_users_see_only_their_own_sidebars(browser, identity_url, shot):
    alice_ctx, alice = signed_in(browser, identity_url, "alice", "Alice")
    bob_ctx, bob = signed_in(browser, identity_url, "bob", "Bob")
    try:
        expect(alice.get_by_test_id("user-badge")).to_have_text("Alice")
        expect(bob.get_by_test_id("user-badge")).to_have_text("Bob")
        expect(alice.get_by_test_id("api-key-dialog")).to_have_count(0)
        ask(alice, COUNT_QUESTION)
        wait_status(alice, "completed")
        expect(alice.get_by_test_id("session-item")).to_have_count(1)
        shot(alice, "identity-alice")
        bob.reload()
        expect(bob.get_by_test_id("user-badge")).to_have_text("Bob")
        expect(bob.get_by_test_id("empty-state")).to_be_visible()
        expect(bob.get_by_test_id("session-item")).to_have_count(0)
        shot(bob, "identity-bob")
    finally:
        alice_ctx.close()
        bob_ctx.close()
