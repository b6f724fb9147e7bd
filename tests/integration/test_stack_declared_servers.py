"""Agents on servers declared in MCP_SERVERS_FILE, through the real stack (gateway + worker + Redis): the
demo model calls the notes MCP server's tool over streamable HTTP and over stdio, an allow-list hides a
tool, and a server that is down (at start-up, or killed later) fails only its own agent's tools; so
does the bundled task list server when its database is unreachable."""

from __future__ import annotations

import json

import pytest
from stack_kit import LiveStack, chat
from support.keys import HEADERS_A
from support.notes import STDIO_COMMAND, NotesServer
from support.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def notes():
    with NotesServer() as server:
        yield server


@pytest.fixture(scope="module")
def live(notes, tmp_path_factory):
    down = NotesServer()  # a port nothing listens on
    catalog = {
        "servers": [
            {"name": "notes", "url": notes.url, "tools": ["lookup_note"]},
            {"name": "local", **STDIO_COMMAND},
            {"name": "gone", "url": down.url, "timeout_s": 2},
        ],
        "agents": [
            {
                "name": "notes",
                "description": "The team's notes",
                "instructions": "Look it up.",
                "servers": ["notes"],
            },
            {"name": "local", "instructions": "Use the local notes.", "servers": ["local"]},
            {"name": "broken", "instructions": "Its server is down.", "servers": ["gone"]},
        ],
    }
    path = tmp_path_factory.mktemp("catalog") / "servers.json"
    path.write_text(json.dumps(catalog))
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # the task list server cannot start
    with LiveStack.single(
        tokens_per_s=0, MCP_SERVERS_FILE=str(path), MCP_TIMEOUT_S="5", TASKS_DATABASE_URL=unreachable
    ) as stack:
        yield stack


async def _agents(live, client) -> dict[str, dict]:
    listed = (await client.get(f"{live.urls[0]}/ai/api/agents", headers=HEADERS_A)).json()["agents"]
    return {a["name"]: a for a in listed}


def _tools(frames) -> list[str]:
    return [e["name"] for e in frames.events if e["type"] == "tool"]


async def test_an_agent_on_a_declared_http_server_answers_with_its_tool(live, client):
    frames = await chat(client, live.urls[0], "What is on the launch checklist?", agent="notes")
    assert frames.types[-1] == "complete", frames.events[-1]
    assert _tools(frames) == ["lookup_note"]
    assert "Note on What is on the launch checklist" in frames.text


async def test_the_allow_list_hides_the_servers_other_tools(live, client):
    agents = await _agents(live, client)
    assert agents["notes"]["tools"] == ["lookup_note"]
    assert agents["notes"]["description"] == "The team's notes"


async def test_a_stdio_server_from_the_configuration_works(live, client):
    agents = await _agents(live, client)
    assert agents["local"]["tools"] == ["lookup_note", "record_visit", "drop_everything"]
    frames = await chat(client, live.urls[0], "lookup_note onboarding", agent="local")
    assert frames.types[-1] == "complete", frames.events[-1]
    assert _tools(frames) == ["lookup_note"] and "Note on onboarding" in frames.text


async def test_a_server_down_at_start_leaves_its_agent_without_tools_and_the_others_working(live, client):
    agents = await _agents(live, client)
    assert agents["broken"]["tools"] == [] and "run_query" in agents["analytics"]["tools"]
    frames = await chat(client, live.urls[0], "How many customers are there?")
    assert frames.types[-1] == "complete" and "run_query" in _tools(frames)
    broken = await chat(client, live.urls[0], "What is on the launch checklist?", agent="broken")
    assert broken.types[-1] == "complete" and "without tools" in broken.text


async def test_an_unreachable_task_list_database_costs_only_the_tasks_agent_its_tools(live, client):
    agents = await _agents(live, client)
    assert agents["tasks"]["tools"] == [] and "run_query" in agents["analytics"]["tools"]
    frames = await chat(client, live.urls[0], "How many customers are there?")
    assert frames.types[-1] == "complete" and "run_query" in _tools(frames)


async def test_a_server_that_dies_fails_its_agents_run_with_a_tool_error_until_it_is_back(
    live, notes, client
):
    notes.kill()
    try:
        failed = await chat(client, live.urls[0], "What is on the launch checklist?", agent="notes")
        assert failed.types[-1] == "error" and failed.terminal["code"] == "tool_error"
        analytics = await chat(client, live.urls[0], "How many customers are there?")
        assert analytics.types[-1] == "complete"
    finally:
        notes.start()

    async def answered() -> bool:
        frames = await chat(client, live.urls[0], "What is on the launch checklist?", agent="notes")
        return frames.types[-1] == "complete"

    await wait_until(answered, 40, what="the notes agent to answer again", interval=1)
