"""Sessions API: list, get (transcript), delete; each key sees only its own sessions."""

from __future__ import annotations

import asyncio

from gateway_fixtures import gateway_settings, running_gateway
from support.keys import HEADERS_A, HEADERS_B
from support.waiting import wait_until

from contract import keys

CHAT = "/ai/api/chat/stream"


async def _chat(client, message, session_id=None, headers=HEADERS_A) -> str:
    body = {"message": message, **({"session_id": session_id} if session_id else {})}
    response = await client.post(CHAT, json=body, headers=headers)
    assert response.status_code == 200
    return response.headers["X-Session-ID"]


async def test_list_is_newest_first_with_title_counts_and_times(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        older = await _chat(client, "How many   customers\nare there? " + "x" * 200)
        newer = await _chat(client, "Top products")
        await _chat(client, "and by revenue?", older)
        await _chat(client, "not yours", headers=HEADERS_B)
        listing = (await client.get("/ai/api/sessions", headers=HEADERS_A)).json()["sessions"]
    assert [s["session_id"] for s in listing] == [older, newer]
    first = listing[0]
    assert first["title"].startswith("How many customers are there? x") and len(first["title"]) == 80
    assert first["message_count"] == 4
    assert first["created_at"] < first["updated_at"]
    assert first["active_task"] is None


async def test_get_returns_the_transcript_as_messages(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        session_id = await _chat(client, "hello")
        body = (await client.get(f"/ai/api/sessions/{session_id}", headers=HEADERS_A)).json()
    assert body["session_id"] == session_id
    assert [(m["role"], m["text"]) for m in body["messages"]] == [
        ("user", "hello"),
        ("assistant", worker.answer),
    ]
    assert body["messages"][1]["status"] == "completed"


async def test_other_keys_session_is_404_for_get_and_delete(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        session_id = await _chat(client, "mine")
        get = await client.get(f"/ai/api/sessions/{session_id}", headers=HEADERS_B)
        delete = await client.delete(f"/ai/api/sessions/{session_id}", headers=HEADERS_B)
        still = await client.get(f"/ai/api/sessions/{session_id}", headers=HEADERS_A)
    assert get.status_code == 404 and delete.status_code == 404
    assert still.status_code == 200


async def test_delete_removes_every_session_key_and_the_index_entry(server, worker, redis):
    async with running_gateway(gateway_settings(), server) as client:
        session_id = await _chat(client, "forget me")
        await redis.rpush(keys.history(session_id) + ":messages", "{}")
        await redis.hset(keys.history(session_id), "created_at", "1")
        await redis.hset(keys.session_marks(session_id), "t1", "0")
        response = await client.delete(f"/ai/api/sessions/{session_id}", headers=HEADERS_A)
        after = await client.get(f"/ai/api/sessions/{session_id}", headers=HEADERS_A)
        listing = (await client.get("/ai/api/sessions", headers=HEADERS_A)).json()["sessions"]
    assert response.status_code == 204
    assert after.status_code == 404
    assert listing == []
    for key in (
        keys.session(session_id),
        keys.session_transcript(session_id),
        keys.history(session_id),
        keys.history(session_id) + ":messages",
        keys.session_marks(session_id),
    ):
        assert not await redis.exists(key), key


async def test_delete_cancels_the_sessions_active_run(server, worker, redis):
    worker.hold = True
    async with running_gateway(gateway_settings(), server) as client:
        post = asyncio.create_task(client.post(CHAT, json={"message": "long"}, headers=HEADERS_A))
        await wait_until(lambda: redis.llen(keys.TASK_QUEUE))
        session_id = (await client.get("/ai/api/sessions", headers=HEADERS_A)).json()["sessions"][0][
            "session_id"
        ]
        await client.delete(f"/ai/api/sessions/{session_id}", headers=HEADERS_A)
        response = await asyncio.wait_for(post, 5)
    assert response.text.count('"type":"cancelled"') == 1
