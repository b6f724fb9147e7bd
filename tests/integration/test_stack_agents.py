"""Agents on the real stack: the worker advertises its registry, the gateway offers it, and a chat with
the tool-less `chat` agent is answered without tool calls."""

from __future__ import annotations

import pytest
from stack_kit import LiveStack, chat
from support.keys import HEADERS_A

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live():
    with LiveStack.single(tokens_per_s=0) as stack:
        yield stack


async def test_the_gateway_offers_the_workers_agents_with_their_tools(live, client):
    listed = (await client.get(f"{live.urls[0]}/ai/api/agents", headers=HEADERS_A)).json()["agents"]
    by_name = {a["name"]: a for a in listed}
    assert set(by_name) >= {"analytics", "chat", "tasks"}
    assert "run_query" in by_name["analytics"]["tools"] and by_name["chat"]["tools"] == []
    assert set(by_name["tasks"]["tools"]) == {
        "add_task",
        "list_tasks",
        "update_task",
        "complete_task",
        "delete_task",
    }
    models = (await client.get(f"{live.urls[0]}/v1/models", headers=HEADERS_A)).json()["data"]
    assert {m["id"] for m in models} >= {"analytics", "chat"}


async def test_the_chat_agent_answers_without_tools(live, client):
    frames = await chat(client, live.urls[0], "How many customers are there?", agent="chat")
    assert frames.types[-1] == "complete"
    assert "tool" not in frames.types and "without tools" in frames.terminal["response"]


async def test_the_tasks_agent_reads_the_callers_list_through_its_own_tool_server(live, client):
    frames = await chat(client, live.urls[0], "list my tasks", agent="tasks")
    assert frames.types[-1] == "complete", frames.types
    assert [e["name"] for e in frames.events if e["type"] == "tool"] == ["list_tasks"]
    assert frames.terminal["response"] == "Your task list is empty."
