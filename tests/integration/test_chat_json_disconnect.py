"""POST /ai/api/chat when its client goes away before the answer: with "on_disconnect": "cancel" the run
is cancelled, as for a stream; by default it runs on."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from stack_kit import LiveStack
from support.keys import HEADERS_A
from support.waiting import wait_until

pytestmark = pytest.mark.integration

SLOW_QUESTION = "Revenue by month"


@pytest.fixture(scope="module")
def live():
    with LiveStack.single(tokens_per_s=10) as stack:
        yield stack


async def leave_early(url: str, on_disconnect: str) -> str:
    """Ask, leave once the run is active, and return its task id (from the session list)."""
    async with httpx2.AsyncClient(timeout=30) as client:
        asking = asyncio.create_task(
            client.post(
                f"{url}/ai/api/chat",
                json={"message": SLOW_QUESTION, "on_disconnect": on_disconnect},
                headers=HEADERS_A,
            )
        )
        task_id = await wait_until(lambda: _active(client, url), timeout=15, interval=0.1)
        asking.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asking
    return task_id


async def _active(client: httpx2.AsyncClient, url: str) -> str | None:
    listed = (await client.get(f"{url}/ai/api/sessions", headers=HEADERS_A)).json()["sessions"]
    running = [s["active_task"] for s in listed if s.get("active_task")]
    return running[0] if running else None


async def status_of(url: str, task_id: str) -> str:
    async with httpx2.AsyncClient() as client:
        return (await client.get(f"{url}/ai/api/tasks/{task_id}", headers=HEADERS_A)).json()["status"]


async def test_a_client_that_leaves_a_cancel_on_disconnect_chat_cancels_its_run(live):
    task_id = await leave_early(live.urls[0], "cancel")
    assert await wait_until(lambda: _is(live.urls[0], task_id, "cancelled"), timeout=15, interval=0.1)


async def test_by_default_the_run_goes_on_when_the_client_leaves(live):
    task_id = await leave_early(live.urls[0], "continue")
    assert await wait_until(lambda: _is(live.urls[0], task_id, "completed"), timeout=60, interval=0.2)


async def _is(url: str, task_id: str, status: str) -> bool:
    return await status_of(url, task_id) == status
