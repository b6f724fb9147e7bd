"""`"multitask": "interrupt"` on the real stack: a new message cancels the session's active run, which
stays as the partial answer it was, and starts as soon as that run has stopped."""

from __future__ import annotations

import asyncio

import pytest
from stack_kit import LiveStack, chat
from support.keys import HEADERS_A
from support.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live():
    with LiveStack.single(tokens_per_s=10) as stack:
        yield stack


async def test_an_interrupting_message_cancels_the_active_run_and_answers(live, client):
    url = live.urls[0]
    first = asyncio.create_task(chat(client, url, "Revenue by month"))
    session = await wait_until(lambda: _active_session(client, url), timeout=15, interval=0.1)
    second = await chat(
        client, url, "How many customers are there?", session_id=session, multitask="interrupt"
    )
    interrupted = await first
    assert interrupted.types[-1] == "cancelled"
    assert second.status == 200 and second.types[-1] == "complete"
    assert second.headers["x-queued-behind"] == interrupted.events[0]["task_id"]
    turns = (await client.get(f"{url}/ai/api/sessions/{session}", headers=HEADERS_A)).json()["messages"]
    answers = [m for m in turns if m["role"] == "assistant"]
    assert [a["status"] for a in answers] == ["cancelled", "completed"]


async def _active_session(client, url: str) -> str | None:
    listed = (await client.get(f"{url}/ai/api/sessions", headers=HEADERS_A)).json()["sessions"]
    return next((s["session_id"] for s in listed if s.get("active_task")), None)
