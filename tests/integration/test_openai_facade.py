"""The OpenAI-compatible facade driven by the official `openai` client over HTTP, against the real stack
(gateway, a worker with the demo model and the analytics MCP server)."""

from __future__ import annotations

import httpx2
import openai
import pytest
from stack_kit import LiveStack
from support.keys import KEY_A

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live():
    with LiveStack.single(tokens_per_s=0) as stack:
        yield stack


@pytest.fixture
async def ai(live):
    async with openai.AsyncOpenAI(base_url=f"{live.urls[0]}/v1", api_key=KEY_A, max_retries=0) as client:
        yield client


async def test_the_agents_are_listed_as_models(ai):
    listed = await ai.models.list()
    assert [m.id for m in listed.data] == ["analytics", "chat", "tasks"]


async def test_a_completion_answers_with_the_agents_answer_and_usage(ai):
    done = await ai.chat.completions.create(
        model="analytics", messages=[{"role": "user", "content": "How many customers are there?"}]
    )
    assert done.choices[0].message.role == "assistant" and done.choices[0].finish_reason == "stop"
    assert any(ch.isdigit() for ch in done.choices[0].message.content)
    assert done.usage.total_tokens > 0
    steps = done.model_extra["agent_stream"]["tool_calls"]
    assert "run_query" in [s["name"] for s in steps]


async def test_a_streamed_completion_delivers_the_answer_in_chunks_with_tool_steps_beside_it(ai):
    stream = await ai.chat.completions.create(
        model="analytics",
        messages=[{"role": "user", "content": "How many customers are there?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, finish, steps, usage = [], None, [], None
    async for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            text.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
        event = (chunk.model_extra or {}).get("agent_stream_event")
        if event:
            steps.append(event["type"])
    assert finish == "stop" and any(ch.isdigit() for ch in "".join(text))
    assert "tool" in steps and "tool_result" in steps
    assert usage is not None and usage.total_tokens > 0


async def test_a_conversation_sent_back_whole_continues_its_session(ai, live):
    first_q = {"role": "user", "content": "How many customers are there?"}
    first = await ai.chat.completions.create(model="analytics", messages=[first_q])
    said = {"role": "assistant", "content": first.choices[0].message.content}
    follow = await ai.chat.completions.create(
        model="analytics", messages=[first_q, said, {"role": "user", "content": "And how many orders?"}]
    )
    assert follow.model_extra["agent_stream"]["session_id"] == first.model_extra["agent_stream"]["session_id"]


async def test_an_unknown_model_is_the_openai_not_found_error(ai):
    with pytest.raises(openai.NotFoundError) as raised:
        await ai.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.code == "model_not_found" and "analytics" in raised.value.message


async def test_a_wrong_key_is_the_openai_authentication_error(live):
    async with openai.AsyncOpenAI(base_url=f"{live.urls[0]}/v1", api_key="wrong", max_retries=0) as client:
        with pytest.raises(openai.AuthenticationError):
            await client.models.list()


async def test_a_conversation_not_ending_with_a_user_message_is_a_clear_422(live):
    async with httpx2.AsyncClient() as client:
        response = await client.post(
            f"{live.urls[0]}/v1/chat/completions",
            json={"model": "analytics", "messages": [{"role": "assistant", "content": "hi"}]},
            headers={"Authorization": f"Bearer {KEY_A}"},
        )
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["type"] == "invalid_request_error" and "user message" in body["error"]["message"]
    assert body["detail"]
