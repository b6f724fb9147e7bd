"""The OpenAI-compatible model path through real worker processes: MODEL_PROVIDER=openai pointed at a
local scripted OpenAI-compatible server (tests/fakes/openai_server.py), never a mock of the SDK."""

from __future__ import annotations

import httpx2
import pytest
from stack_kit import LiveStack, chat, seqs_contiguous
from support.keys import HEADERS_A
from support.waiting import wait_until

from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fake_openai():
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture(scope="module")
def live(fake_openai):
    with LiveStack(
        worker_env={
            "MODEL_PROVIDER": "openai",
            "OPENAI_API_KEY": "sk-local-test",
            "OPENAI_BASE_URL": fake_openai.base_url,
            "MODEL": "scripted-model",
        }
    ) as stack:
        stack.gateway()
        stack.worker()
        stack.wait_workers(1)
        yield stack


async def test_openai_compatible_model_calls_the_mcp_tool_and_streams_the_answer(live, fake_openai):
    async with httpx2.AsyncClient() as client:
        frames = await chat(
            client, live.urls[0], "How many customers? [[sql SELECT COUNT(*) AS n FROM customers]]"
        )
    assert frames.terminal["type"] == "complete", frames.events[-1]
    assert seqs_contiguous(frames.events)
    tool = next(e for e in frames.events if e["type"] == "tool")
    result = next(e for e in frames.events if e["type"] == "tool_result")
    assert tool["name"] == "run_query" and "COUNT(*)" in tool["arguments"]["sql"]
    assert result["output"]["rows"] == [[500]]
    assert frames.types.count("token") >= 1 and frames.text == frames.terminal["response"]
    assert "500" in frames.terminal["response"]
    assert frames.terminal["usage"]["total_tokens"] > 0
    chat_calls = [r for r in fake_openai.requests if r["path"].endswith("/chat/completions")]
    assert chat_calls and chat_calls[0]["headers"]["authorization"] == "Bearer sk-local-test"
    assert any(m.get("role") == "tool" for m in chat_calls[-1]["body"]["messages"])


async def test_an_endpoint_error_ends_the_stream_with_a_model_error(live):
    async with httpx2.AsyncClient() as client:
        frames = await chat(client, live.urls[0], "[[error 500]]")
    assert frames.terminal == {**frames.terminal, "type": "error", "code": "model_error"}


async def test_a_broken_query_is_fixed_after_the_database_error_and_the_client_gets_the_data(live):
    message = "Orders? [[sql SELECT nope FROM orders]] [[fix SELECT COUNT(*) AS n FROM orders]]"
    async with httpx2.AsyncClient() as client:
        frames = await chat(client, live.urls[0], message)
        url = f"{live.urls[0]}/ai/api/sessions/{frames.events[0]['session_id']}"
        stored: list[dict] = []

        async def transcribed() -> bool:
            stored[:] = (await client.get(url, headers=HEADERS_A)).json().get("messages", [])
            return len(stored) == 2

        await wait_until(transcribed, 10, what="the transcript")
    assert frames.terminal["type"] == "complete", frames.events[-1]
    assert seqs_contiguous(frames.events)
    kinds = [e["type"] for e in frames.events if e["type"] in ("tool", "tool_result", "data")]
    assert kinds == ["tool", "tool_result", "tool", "tool_result", "data"]
    tools = [e for e in frames.events if e["type"] == "tool"]
    results = [e for e in frames.events if e["type"] == "tool_result"]
    assert [t["arguments"]["sql"] for t in tools] == [
        "SELECT nope FROM orders",
        "SELECT COUNT(*) AS n FROM orders",
    ]
    assert results[0]["is_error"] and "dry run (EXPLAIN) failed" in results[0]["output"]
    assert not results[1]["is_error"]
    data = next(e for e in frames.events if e["type"] == "data")
    assert data["call_id"] == tools[1]["call_id"] and data["rows"] == [[5000]] and data["chart"] is None
    stages = [e["stage"] for e in frames.events if e["type"] == "progress"]
    assert stages == ["understanding", "validating", "validating", "querying", "answering"]
    assert [w["name"] for w in frames.terminal["workflow"]].count("run_query") == 2
    steps = stored[-1]["tools"]
    assert [s["data"] is not None for s in steps] == [False, True]
    assert steps[1]["data"]["rows"] == [[5000]]
