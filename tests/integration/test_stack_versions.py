"""Regenerate, edit-and-resend and a second tab, on real parts: redis-server, the gateway under uvicorn
and a worker process running the real Runner with the offline demo model (which answers "What did I
ask before?" from the model history it is given)."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis.asyncio as aioredis
from stack_kit import LiveStack, chat
from support.keys import HEADERS_A, KEY_A, KEY_B

from contract import keys

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live():
    with LiveStack.single(tokens_per_s=40) as stack:
        yield stack


async def session(client, base: str, session_id: str, key: str = KEY_A) -> dict:
    response = await client.get(f"{base}/ai/api/sessions/{session_id}", headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    return response.json()


async def test_edit_cuts_the_history_for_the_model_and_keeps_the_old_answer(live, client):
    base = live.urls[0]
    first = await chat(client, base, "How many customers are there?")
    sid = first.events[0]["session_id"]
    second = await chat(client, base, "Top 3 customers by revenue", session_id=sid)
    edited = await chat(client, base, "What did I ask before?", session_id=sid, edit=second.task_id)
    assert edited.terminal["type"] == "complete", edited.events[-1]
    answer = edited.terminal["response"]
    assert "How many customers are there?" in answer and "Top 3" not in answer
    messages = (await session(client, base, sid))["messages"]
    assert [(m["role"], m["task_id"]) for m in messages] == [
        ("user", first.task_id),
        ("assistant", first.task_id),
        ("user", edited.task_id),
        ("assistant", edited.task_id),
    ]
    assert messages[2]["text"] == "What did I ask before?" and messages[3]["text"] == answer
    [old] = messages[3]["versions"]
    assert old["question"] == "Top 3 customers by revenue"
    assert old["answer"]["task_id"] == second.task_id and old["answer"]["text"] == second.terminal["response"]


async def test_editing_turn_one_of_three_keeps_turns_two_and_three_under_its_earlier_version(live, client):
    base = live.urls[0]
    first = await chat(client, base, "How many customers are there?")
    sid = first.events[0]["session_id"]
    second = await chat(client, base, "Top 3 customers by revenue", session_id=sid)
    third = await chat(client, base, "How many orders are there?", session_id=sid)
    edited = await chat(client, base, "How many products are there?", session_id=sid, edit=first.task_id)
    assert edited.terminal["type"] == "complete", edited.events[-1]
    messages = (await session(client, base, sid))["messages"]
    assert [m["task_id"] for m in messages] == [edited.task_id, edited.task_id]
    [old] = messages[1]["versions"]
    assert old["question"] == "How many customers are there?" and old["answer"]["task_id"] == first.task_id
    assert [(m["role"], m["task_id"]) for m in old["tail"]] == [
        ("user", second.task_id),
        ("assistant", second.task_id),
        ("user", third.task_id),
        ("assistant", third.task_id),
    ]
    assert old["tail"][3]["text"] == third.terminal["response"]

    async with aioredis.Redis.from_url(live.redis.url) as r:
        stored = [json.loads(i) for i in await r.lrange(keys.history_messages(sid), 0, -1)]
    assert [i["content"] for i in stored if i.get("role") == "user"] == ["How many products are there?"]
    recall = await chat(client, base, "What did I ask before?", session_id=sid)
    answer = recall.terminal["response"]
    assert "How many products are there?" in answer
    assert "customers" not in answer and "orders" not in answer

    on_old_branch = await chat(client, base, "x", session_id=sid, edit=second.task_id)
    assert on_old_branch.status == 409 and "earlier version" in on_old_branch.body["detail"]


async def test_an_export_keeps_the_earlier_branch_and_a_share_shows_the_current_one(live, client):
    base = live.urls[0]
    first = await chat(client, base, "How many customers are there?")
    sid = first.events[0]["session_id"]
    await chat(client, base, "Top 3 customers by revenue", session_id=sid)
    await chat(client, base, "How many products are there?", session_id=sid, edit=first.task_id)
    exported = await client.get(f"{base}/ai/api/sessions/{sid}/export?format=markdown", headers=HEADERS_A)
    assert exported.status_code == 200, exported.text
    assert "> Top 3 customers by revenue" in exported.text
    as_json = await client.get(f"{base}/ai/api/sessions/{sid}/export?format=json", headers=HEADERS_A)
    assert as_json.json()["messages"][1]["versions"][0]["tail"][0]["text"] == "Top 3 customers by revenue"
    share = await client.post(f"{base}/ai/api/sessions/{sid}/shares", headers=HEADERS_A)
    shared = (await client.get(f"{base}/ai/api/shared/{share.json()['share_id']}")).json()
    assert [m["text"] for m in shared["messages"]][0] == "How many products are there?"
    assert all(m["versions"] == [] for m in shared["messages"])
    assert "Top 3" not in json.dumps(shared)


async def test_regenerate_asks_the_same_question_and_flips_between_versions(live, client):
    base = live.urls[0]
    first = await chat(client, base, "How many orders are there?")
    sid = first.events[0]["session_id"]
    again = await chat(client, base, None, session_id=sid, regenerate=first.task_id)
    assert again.terminal["type"] == "complete", again.events[-1]
    state = await client.get(f"{base}/ai/api/tasks/{again.task_id}", headers=HEADERS_A)
    assert state.json()["message"] == "How many orders are there?"
    assert state.json()["replaces"] == first.task_id
    data = await session(client, base, sid)
    assert data["message_count"] == 2
    question, answer = data["messages"]
    assert question["text"] == "How many orders are there?" and question["task_id"] == again.task_id
    assert [v["answer"]["task_id"] for v in answer["versions"]] == [first.task_id]
    again2 = await chat(client, base, None, session_id=sid, regenerate=again.task_id)
    answer = (await session(client, base, sid))["messages"][1]
    assert answer["task_id"] == again2.task_id
    assert [v["answer"]["task_id"] for v in answer["versions"]] == [first.task_id, again.task_id]


async def test_a_second_tab_sees_the_question_of_a_running_task(live, client):
    base = live.urls[0]
    first = await chat(client, base, "How many products are there?")
    sid = first.events[0]["session_id"]
    running = asyncio.create_task(chat(client, base, "Total revenue per country", session_id=sid))
    try:
        for _ in range(200):
            active = (await session(client, base, sid))["active_task"]
            if active:
                break
            await asyncio.sleep(0.05)
        assert active
        state = (await client.get(f"{base}/ai/api/tasks/{active}", headers=HEADERS_A)).json()
        assert state["message"] == "Total revenue per country"
        assert state["status"] in ("queued", "running")
        busy = await chat(client, base, None, session_id=sid, regenerate=first.task_id)
        assert busy.status == 409 and busy.body["task_id"] == active
    finally:
        done = await running
    assert done.terminal["type"] == "complete"


async def test_refusals_say_why(live, client):
    base = live.urls[0]
    first = await chat(client, base, "How many customers are there?")
    sid = first.events[0]["session_id"]
    other = await chat(client, base, "How many orders are there?")
    assert (await chat(client, base, None, regenerate=first.task_id)).status == 422
    assert (await chat(client, base, None, session_id=sid, edit=first.task_id)).status == 422
    unknown = await chat(client, base, None, session_id=sid, regenerate="f" * 32)
    assert unknown.status == 404
    elsewhere = await chat(client, base, "x", session_id=sid, edit=other.task_id)
    assert elsewhere.status == 422 and "another session" in elsewhere.body["detail"]
    stranger = await chat(client, base, None, key=KEY_B, session_id=sid, regenerate=first.task_id)
    assert stranger.status == 404
