"""Agents by name: the worker's registry, and the gateway offering what the live workers advertise."""

from __future__ import annotations

import fakeredis
import pytest
from gateway_fixtures import gateway_settings, running_gateway
from support.fakeworker import FakeWorker
from support.keys import HEADERS_A

from agent_service.execution import registry
from agent_service.execution.registry import AgentSpec
from contract import ChatTask, keys
from contract.agents import AgentInfo, offered

CHAT = AgentInfo(name="chat", description="plain", tools=[])
ANALYTICS = AgentInfo(name="analytics", description="sql", tools=["run_query"])


class _Point:
    def __init__(self, name, value):
        self.name, self._value = name, value

    def load(self):
        return self._value


def test_the_built_in_agents_are_analytics_and_tasks_on_their_servers_and_chat_on_none():
    by_name = {s.name: s for s in registry.BUILT_IN}
    assert by_name["analytics"].server_names == ("analytics",) and by_name["chat"].server_names == ()
    assert by_name["tasks"].server_names == ("tasks",)


def test_an_installed_agent_joins_and_one_taking_a_built_in_name_does_not(monkeypatch):
    extra = AgentSpec("support", "helps", "Be kind.")
    clash = AgentSpec("chat", "other chat", "...")
    monkeypatch.setattr(
        registry, "entry_points", lambda group: [_Point("support", extra), _Point("x", lambda: clash)]
    )
    names = [s.name for s in registry.specs()]
    assert names == ["analytics", "chat", "tasks", "support"]
    assert next(s for s in registry.specs() if s.name == "chat").description != "other chat"


def test_a_worker_that_advertises_nothing_offers_the_default_agent():
    assert list(offered([[], [CHAT]])) == ["analytics", "chat"]


@pytest.fixture
async def advertising(server):
    worker = FakeWorker(
        fakeredis.FakeAsyncRedis(server=server, decode_responses=True), agents=[ANALYTICS, CHAT]
    )
    await worker.start()
    yield worker
    await worker.stop()


async def test_the_agents_route_lists_what_live_workers_run(server, advertising):
    async with running_gateway(gateway_settings(), server) as client:
        body = (await client.get("/ai/api/agents", headers=HEADERS_A)).json()
    listed = body["agents"]
    assert [a["name"] for a in listed] == ["analytics", "chat"]
    assert listed[0]["tools"] == ["run_query"]
    assert body["default"] == "analytics"


async def test_an_unknown_agent_is_a_422_that_names_the_agents(server, advertising):
    async with running_gateway(gateway_settings(), server) as client:
        refused = await client.post(
            "/ai/api/chat", json={"message": "hi", "agent": "nope"}, headers=HEADERS_A
        )
    assert refused.status_code == 422 and refused.json()["agents"] == ["analytics", "chat"]
    assert await advertising.redis.llen(keys.TASK_QUEUE) == 0


async def test_a_session_keeps_its_agent_and_refuses_another(server, advertising):
    async with running_gateway(gateway_settings(), server) as client:
        first = (
            await client.post("/ai/api/chat", json={"message": "hi", "agent": "chat"}, headers=HEADERS_A)
        ).json()
        sid = first["session_id"]
        again = await client.post(
            "/ai/api/chat", json={"message": "more", "session_id": sid}, headers=HEADERS_A
        )
        other = await client.post(
            "/ai/api/chat",
            json={"message": "more", "session_id": sid, "agent": "analytics"},
            headers=HEADERS_A,
        )
        listed = (await client.get(f"/ai/api/sessions/{sid}", headers=HEADERS_A)).json()
    assert again.status_code == 200 and other.status_code == 422
    assert [t.agent for t in advertising.taken] == ["chat", "chat"]
    assert listed["agent"] == "chat"


async def test_the_session_list_names_each_conversations_agent(server, advertising):
    async with running_gateway(gateway_settings(), server) as client:
        for agent in ("chat", None):
            await client.post("/ai/api/chat", json={"message": "hi", "agent": agent}, headers=HEADERS_A)
        listing = (await client.get("/ai/api/sessions", headers=HEADERS_A)).json()["sessions"]
    assert [s["agent"] for s in listing] == ["analytics", "chat"]  # newest first


async def test_a_chat_naming_no_agent_gets_the_default(server, advertising):
    async with running_gateway(gateway_settings(), server) as client:
        await client.post("/ai/api/chat", json={"message": "hi"}, headers=HEADERS_A)
    assert isinstance(advertising.taken[0], ChatTask) and advertising.taken[0].agent == "analytics"


def test_the_demo_model_as_an_agent_without_tools_talks_and_offers_no_analytics_help():
    from agent_service.models.demo import decide

    said = decide([{"role": "user", "content": "hello"}], []).text
    assert "without tools" in said and "hello" in said and "analytics tools" not in said
