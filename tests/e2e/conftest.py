"""E2E fixtures: the REAL stack (embedded redis-server, `python -m backend`, one `python -m agent_service`
worker with the offline demo model) serving the BUILT UI (frontend/dist), driven by Debian's chromium.

Why one module-scoped stack: starting Redis + gateway + worker takes seconds; every test opens its own
browser context (fresh localStorage/sessionStorage) and its own conversations, so tests stay independent.
DEMO_TOKENS_PER_S is slow (20 words/s) so "stop" and "reload mid-answer" have a window to act in.
Never `playwright install`: the system chromium is used through executable_path.
`database_stack` runs the stack once per database (SQLite, PostgreSQL, MariaDB: tests/analytics_db's
`database` fixture, which fails when a server is missing), for the smoke test of each.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.keys import KEY_A

from devstack.processes import ROOT, Stack
from devstack.redis_server import RedisServer
from tests.analytics_db.conftest import TestDatabase, database  # noqa: F401  (the per-database fixture)

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
DIST = ROOT / "frontend" / "dist" / "index.html"
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def running_stack(tokens_per_s: str, **env: str) -> Iterator[Stack]:
    """Redis + gateway + one demo-model worker serving the built UI, stopped (and its logs removed) after."""
    if not DIST.exists():
        pytest.fail("frontend/dist is missing: run `npm ci && npm run build` in frontend/ first")
    redis = RedisServer().start()
    logs = Path(tempfile.mkdtemp(prefix="e2e-logs-"))
    stack = Stack(
        redis_url=redis.url,
        env={
            "API_KEYS": KEY_A,
            "MODEL_PROVIDER": "demo",
            "DEMO_TOKENS_PER_S": tokens_per_s,
            "LOG_LEVEL": "WARNING",
            "TASKS_DB_PATH": str(logs / "tasks.db"),  # every stack its own task lists
            **env,
        },
        log_dir=logs,
    )
    try:
        url = stack.start_gateway()
        stack.start_worker()
        stack.wait_workers(1, url)
        yield stack
    finally:
        stack.stop()
        redis.stop()
        shutil.rmtree(logs, ignore_errors=True)


@pytest.fixture(scope="module")
def stack(request) -> Iterator[Stack]:
    """DEMO_TOKENS_PER_S comes from the test module (default 20 words/s), so layout tests can run fast."""
    with running_stack(getattr(request.module, "DEMO_TOKENS_PER_S", "20")) as running:
        yield running


@pytest.fixture(scope="module")
def database_stack(database: TestDatabase) -> Iterator[tuple[TestDatabase, str]]:  # noqa: F811
    """The stack once per database (`database`: the sample on SQLite, or loaded into a scratch PostgreSQL or
    MariaDB database that is dropped after), its analytics server connected as the read-only role."""
    with running_stack("0", DATABASE_URL=database.readonly_url) as running:
        yield database, f"http://127.0.0.1:{running.ports[0]}"


@pytest.fixture(scope="module")
def stack_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.ports[0]}"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no chromium at {CHROMIUM}: apt-get install chromium (./scripts/test.sh does it as root)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _open(browser, stack_url: str, api_key: str | None):
    context = browser.new_context(base_url=stack_url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    if api_key:
        # Before any page script runs, as if the key had been entered earlier in this browser.
        context.add_init_script(f"window.localStorage.setItem('ai.apiKey', {api_key!r})")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/ai/static/")
    return context, page, errors


@pytest.fixture
def page(browser, stack_url):
    """A fresh browser context that already has the right API key."""
    context, page, errors = _open(browser, stack_url, KEY_A)
    yield page
    context.close()
    assert not errors, f"uncaught page errors: {errors}"


@pytest.fixture
def keyless_page(browser, stack_url):
    """A fresh browser context on first use (no key yet)."""
    context, page, errors = _open(browser, stack_url, None)
    yield page
    context.close()
    assert not errors, f"uncaught page errors: {errors}"


@pytest.fixture
def shot():
    """shot(page, name) saves test-artifacts/e2e/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take
