"""Which session an OpenAI-style conversation continues (backend/completions.py), and the facade's
error shape."""

from __future__ import annotations

import fakeredis
from gateway_fixtures import gateway_settings, running_gateway
from support.keys import HEADERS_A, KEY_A

from backend.completions import CompletionRequest, Threads


def request(*turns: tuple[str, str]) -> CompletionRequest:
    return CompletionRequest(model="analytics", messages=[{"role": r, "content": c} for r, c in turns])


async def test_a_conversation_sent_back_unchanged_continues_its_session():
    threads = Threads(fakeredis.FakeAsyncRedis(decode_responses=True), ttl_s=60)
    first = request(("user", "how many?"))
    await threads.remember("alice", first, "s1", "42")
    found = await threads.find("alice", request(("user", "how many?"), ("assistant", "42"), ("user", "and?")))
    assert found == ("s1", "and?")


async def test_another_owner_sending_the_same_conversation_starts_afresh():
    threads = Threads(fakeredis.FakeAsyncRedis(decode_responses=True), ttl_s=60)
    await threads.remember("alice", request(("user", "how many?")), "s1", "42")
    session, question = await threads.find(
        "bob", request(("user", "how many?"), ("assistant", "42"), ("user", "and?"))
    )
    assert session is None and "how many?" in question and question.endswith("and?")


async def test_system_messages_do_not_change_which_conversation_it_is():
    threads = Threads(fakeredis.FakeAsyncRedis(decode_responses=True), ttl_s=60)
    await threads.remember("alice", request(("system", "be nice"), ("user", "q")), "s1", "a")
    found = await threads.find(
        "alice", request(("system", "be terse"), ("user", "q"), ("assistant", "a"), ("user", "q2"))
    )
    assert found == ("s1", "q2")


async def test_a_new_conversation_asks_its_question_as_is():
    threads = Threads(fakeredis.FakeAsyncRedis(decode_responses=True), ttl_s=60)
    assert await threads.find("alice", request(("user", "hello"))) == (None, "hello")


async def test_text_parts_are_the_messages_text():
    parts = [
        {"type": "text", "text": "how "},
        {"type": "image_url", "image_url": {"url": "x"}},
        {"type": "text", "text": "many?"},
    ]
    assert request(("user", "x")).messages[0].text() == "x"
    assert (
        CompletionRequest(model="analytics", messages=[{"role": "user", "content": parts}]).messages[0].text()
        == "how many?"
    )


async def test_errors_under_v1_carry_openais_error_object_and_our_detail(server):
    async with running_gateway(gateway_settings(), server) as client:
        missing = await client.get("/v1/models")
        wrong_model = await client.post(
            "/v1/chat/completions",
            json={"model": "nope", "messages": [{"role": "user", "content": "hi"}]},
            headers={"Authorization": f"Bearer {KEY_A}"},
        )
        elsewhere = await client.get("/ai/api/sessions")
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "authentication_error"
    assert missing.json()["detail"]
    assert wrong_model.status_code == 404 and wrong_model.json()["error"]["code"] == "model_not_found"
    assert "error" not in elsewhere.json() and elsewhere.json()["detail"]


async def test_the_api_key_may_come_as_a_bearer_on_v1_only(server):
    async with running_gateway(gateway_settings(), server) as client:
        v1 = await client.get("/v1/models", headers={"Authorization": f"Bearer {KEY_A}"})
        api = await client.get("/ai/api/sessions", headers={"Authorization": f"Bearer {KEY_A}"})
        keyed = await client.get("/v1/models", headers=HEADERS_A)
    assert v1.status_code == 200 and keyed.status_code == 200
    assert api.status_code == 401
