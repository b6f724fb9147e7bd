"""An analytics server that serves an unsafe database role (DATABASE_ALLOW_UNSAFE_ROLE) is seen in the
gateway's /health: a real gateway and worker process on the real servers, connected as the administrative
user; the read-only role leaves /health healthy."""

from __future__ import annotations

import httpx2
import pytest
from support.waiting import wait_until

from agent_service.tools.analytics.server import UNSAFE_WARNING, role_warnings
from tests.integration.stack_kit import LiveStack


def test_role_warnings_read_back_what_the_server_announced():
    problems = ["is a superuser", "can use dblink (a second connection that is not read-only)"]
    instructions = UNSAFE_WARNING.format(problems="; ".join(problems)) + " Read-only SQL analytics."
    assert role_warnings(instructions) == problems
    assert role_warnings("Read-only SQL analytics. Call list_tables first") == []
    assert role_warnings(None) == []


@pytest.mark.parametrize("role", ["admin", "readonly"])
async def test_health_warns_while_a_worker_serves_an_unsafe_role(database, role):
    url = database.admin_url if role == "admin" else database.readonly_url
    with LiveStack(worker_env={"DATABASE_URL": url, "DATABASE_ALLOW_UNSAFE_ROLE": "true"}) as stack:
        gateway = stack.gateway()
        stack.worker()
        stack.wait_workers(1)
        async with httpx2.AsyncClient() as client:
            body: dict = {}

            async def reported() -> bool:
                body.update((await client.get(f"{gateway}/ai/api/health")).json())
                return bool(body.get("workers"))

            await wait_until(reported, 30, what="a worker in /health")
    if role == "readonly" or database.kind == "sqlite":  # SQLite: no roles, the file is opened read-only
        assert body["status"] == "healthy" and body["warnings"] == []
        return
    expected = "is a superuser" if database.kind == "postgresql" else "ALL PRIVILEGES"
    assert body["status"] == "degraded"
    assert body["warnings"] and all(w.startswith("UNSAFE DATABASE ROLE: worker ") for w in body["warnings"])
    assert any(expected in w for w in body["warnings"])
    assert any(expected in p for p in body["workers"][0]["database_role_warnings"])
