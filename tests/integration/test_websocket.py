"""WebSocket /ai/api/ws against the real stack: chat, resume, cancel, auth and refusals on one socket."""

from __future__ import annotations

import json

import pytest
import websockets
from stack_kit import LiveStack
from support.keys import KEY_A as KEY

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live():
    with LiveStack.single(tokens_per_s=40) as stack:
        yield stack


def ws_url(live) -> str:
    return live.urls[0].replace("http://", "ws://") + "/ai/api/ws"


async def until_terminal(ws, task_id: str | None = None) -> list[dict]:
    events = []
    while True:
        event = json.loads(await ws.recv())
        if task_id is None or event.get("task_id") == task_id:
            events.append(event)
        if event.get("type") in ("complete", "error", "cancelled", "refused"):
            return events


async def test_a_chat_streams_its_events_in_order_to_the_end(live):
    async with websockets.connect(ws_url(live), additional_headers={"X-API-Key": KEY}) as ws:
        await ws.send(json.dumps({"type": "chat", "message": "How many customers are there?"}))
        events = await until_terminal(ws)
    assert events[0]["type"] == "session" and events[-1]["type"] == "complete"
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert len({e["task_id"] for e in events}) == 1
    assert "".join(e["content"] for e in events if e["type"] == "token") == events[-1]["response"]


async def test_a_browser_authenticates_with_a_first_message(live):
    async with websockets.connect(ws_url(live)) as ws:
        await ws.send(json.dumps({"type": "auth", "api_key": KEY}))
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await ws.recv()) == {"type": "pong"}


async def test_a_wrong_key_is_refused_and_the_socket_closed(live):
    async with websockets.connect(ws_url(live), additional_headers={"X-API-Key": "wrong"}) as ws:
        refusal = json.loads(await ws.recv())
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert refusal["type"] == "refused" and refusal["status"] == 401
    assert closed.value.rcvd.code == 4401


async def test_a_resume_on_a_new_socket_sends_what_came_after_the_last_seq(live):
    async with websockets.connect(ws_url(live), additional_headers={"X-API-Key": KEY}) as ws:
        await ws.send(json.dumps({"type": "chat", "message": "How many customers are there?"}))
        first = [json.loads(await ws.recv()) for _ in range(3)]
    task_id, last = first[0]["task_id"], first[-1]["seq"]
    async with websockets.connect(ws_url(live), additional_headers={"X-API-Key": KEY}) as ws:
        await ws.send(json.dumps({"type": "resume", "task_id": task_id, "last_seq": last}))
        rest = await until_terminal(ws, task_id)
    assert [e["seq"] for e in rest] == list(range(last + 1, last + 1 + len(rest)))
    assert rest[-1]["type"] == "complete"


async def test_a_cancel_ends_the_run_with_cancelled(live):
    async with websockets.connect(ws_url(live), additional_headers={"X-API-Key": KEY}) as ws:
        await ws.send(json.dumps({"type": "chat", "message": "Revenue by month"}))
        task_id = json.loads(await ws.recv())["task_id"]
        await ws.send(json.dumps({"type": "cancel", "task_id": task_id}))
        events = await until_terminal(ws, task_id)
    assert events[-1]["type"] == "cancelled"


async def test_a_bad_message_is_refused_and_the_socket_stays_open(live):
    async with websockets.connect(ws_url(live), additional_headers={"X-API-Key": KEY}) as ws:
        await ws.send("not json")
        bad = json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "chat", "message": "   "}))
        blank = json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "resume", "task_id": "0" * 32}))
        unknown = json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "ping"}))
        pong = json.loads(await ws.recv())
    assert (bad["status"], blank["status"], unknown["status"]) == (422, 422, 404)
    assert bad["detail"] and blank["detail"] and pong == {"type": "pong"}
