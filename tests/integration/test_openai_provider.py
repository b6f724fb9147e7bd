"""The OpenAI-compatible provider (build_model with MODEL_PROVIDER=openai) with the REAL Runner and the REAL
analytics MCP server, against the scripted fake server in tests/fakes (a real HTTP server, no SDK mocks).
Both the Chat Completions and the Responses API paths are covered."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys

import openai
import pytest
from agents import Runner
from agents.mcp import MCPServerStdio
from openai.types.responses import ResponseTextDeltaEvent

from agent_service.config import Settings
from agent_service.execution.agent import build_agent
from agent_service.models import build_model
from agent_service.tools.analytics import mcp_params
from agent_service.tools.analytics.sample_db import ensure_sample_db
from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.integration
APIS = ["chat_completions", "responses"]


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    return ensure_sample_db(tmp_path_factory.mktemp("openai") / "sample.db")


@pytest.fixture
def fake_openai():
    with FakeOpenAIServer() as server:
        yield server


@contextlib.asynccontextmanager
async def openai_agent(sample_db, fake, api: str):
    settings = Settings(
        model_provider="openai",
        openai_base_url=fake.base_url,
        openai_api=api,
        model="fake-model",
        sample_db_path=sample_db,
    )
    model, model_settings = build_model(settings)
    async with MCPServerStdio(params=mcp_params(settings), client_session_timeout_seconds=60) as server:
        yield build_agent(settings, [server], model, model_settings)


async def ask(agent, question: str) -> dict:
    result = Runner.run_streamed(agent, question)
    seen = {"tools": [], "outputs": [], "deltas": []}
    async for event in result.stream_events():
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            seen["deltas"].append(event.data.delta)
        elif event.type == "run_item_stream_event" and event.name == "tool_called":
            seen["tools"].append((event.item.raw_item.name, json.loads(event.item.raw_item.arguments)))
        elif event.type == "run_item_stream_event" and event.name == "tool_output":
            seen["outputs"].append(event.item.output)
    seen["final"], seen["usage"] = result.final_output, result.context_wrapper.usage
    return seen


@pytest.mark.parametrize("api", APIS)
async def test_tool_call_round_trip_streams_the_real_query_result(sample_db, fake_openai, api):
    async with openai_agent(sample_db, fake_openai, api) as agent:
        seen = await ask(agent, "[[sql SELECT COUNT(*) AS n FROM orders]] how many orders?")

    assert seen["tools"] == [("run_query", {"sql": "SELECT COUNT(*) AS n FROM orders"})]
    assert '"rows": [[5000]]' in seen["final"]
    assert len(seen["deltas"]) > 3
    assert "".join(seen["deltas"]) == seen["final"]


@pytest.mark.parametrize("api", APIS)
async def test_usage_is_reported_for_every_request(sample_db, fake_openai, api):
    async with openai_agent(sample_db, fake_openai, api) as agent:
        seen = await ask(agent, "how many customers?")

    assert seen["usage"].requests == 2
    assert seen["usage"].input_tokens > 0 and seen["usage"].output_tokens > 0


async def test_chat_completions_requests_ask_for_usage_and_carry_the_mcp_tools(sample_db, fake_openai):
    async with openai_agent(sample_db, fake_openai, "chat_completions") as agent:
        await ask(agent, "how many customers?")

    first = fake_openai.requests[0]
    assert first["path"] == "/v1/chat/completions"
    assert first["body"]["stream"] is True
    assert first["body"]["stream_options"] == {"include_usage": True}
    assert {t["function"]["name"] for t in first["body"]["tools"]} == {
        "list_tables",
        "describe_table",
        "sample_rows",
        "run_query",
    }
    assert first["body"]["messages"][0]["role"] == "system"
    assert fake_openai.requests[1]["body"]["messages"][-1]["role"] == "tool"


async def test_server_error_from_the_endpoint_is_raised_to_the_caller(sample_db, fake_openai):
    async with openai_agent(sample_db, fake_openai, "chat_completions") as agent:
        with pytest.raises(openai.InternalServerError):
            await ask(agent, "[[error 500]]")


async def test_sized_stream_directive_delivers_exactly_that_many_bytes(sample_db, fake_openai):
    async with openai_agent(sample_db, fake_openai, "chat_completions") as agent:
        seen = await ask(agent, "[[stream bytes=20000 chunk=100 delay_ms=0]]")

    assert len(seen["final"].encode()) == 20000
    assert len(seen["deltas"]) == 200


def test_fake_server_runs_as_a_subprocess_and_prints_its_url():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:")
        client = openai.OpenAI(api_key="x", base_url=line.split()[1], max_retries=0)
        reply = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "[[text hi there]]"}]
        )
        assert reply.choices[0].message.content == "hi there"
    finally:
        proc.terminate()
        proc.wait(10)
