"""The task list MCP server over a REAL stdio client (agents.mcp.MCPServerStdio + mcp_params), its
store on SQLite and PostgreSQL, and the worker's owner injection through the real SDK Runner."""

from __future__ import annotations

import contextlib
import json
import secrets

import pytest
from agents import Agent, RunContextWrapper, Runner
from agents.mcp import MCPServerStdio, MCPUtil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agent_service.config import Settings
from agent_service.models.demo import DemoModel
from agent_service.tools.tasks import META_CALL, META_OWNER, META_TASK, mcp_params
from agent_service.tools.tasks.client import caller_meta
from agent_service.tools.tasks.store import TaskList, TaskListError

ALICE, BOB = "user:alice", "user:bob"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def meta(owner: str, task: str = "t1", call: str = "c1") -> dict[str, str]:
    return {META_OWNER: owner, META_TASK: task, META_CALL: call}


@contextlib.asynccontextmanager
async def tasks_server(tmp_path, **kwargs):
    settings = Settings(tasks_db_path=tmp_path / "tasks.db")
    params = mcp_params(settings)
    async with MCPServerStdio(params=params, client_session_timeout_seconds=30, **kwargs) as server:
        yield server


async def call(server, tool: str, args: dict, call_meta: dict | None) -> tuple[bool, object]:
    result = await server.call_tool(tool, args, meta=call_meta)
    body = "".join(c.text for c in result.content)
    try:
        return bool(result.is_error), json.loads(body)
    except ValueError:
        return bool(result.is_error), body


async def test_a_call_without_a_caller_identity_is_refused(tmp_path):
    async with tasks_server(tmp_path) as server:
        is_error, body = await call(server, "list_tasks", {}, None)
    assert is_error and "no caller identity" in body


async def test_each_owner_sees_and_changes_only_their_own_list(tmp_path):
    async with tasks_server(tmp_path) as server:
        await call(server, "add_task", {"title": "buy milk"}, meta(ALICE, call="a1"))
        _, bobs = await call(server, "list_tasks", {}, meta(BOB))
        completed = await call(server, "complete_task", {"number": 1}, meta(BOB, call="b1"))
        deleted = await call(server, "delete_task", {"number": 1}, meta(BOB, call="b2"))
        _, alices = await call(server, "list_tasks", {}, meta(ALICE))
    assert bobs == {"tasks": []}
    assert completed[0] and "no task 1" in completed[1]
    assert deleted[0] and "no task 1" in deleted[1]
    assert alices == {"tasks": [{"number": 1, "title": "buy milk", "done": False}]}


async def test_an_owner_in_the_arguments_reaches_nobody_else(tmp_path):
    async with tasks_server(tmp_path) as server:
        await call(server, "add_task", {"title": "alice's secret"}, meta(ALICE, call="a1"))
        is_error, listed = await call(server, "list_tasks", {"owner": ALICE}, meta(BOB))
    assert is_error or listed == {"tasks": []}


async def test_the_tool_schemas_have_no_owner_argument_and_are_closed(tmp_path):
    async with tasks_server(tmp_path) as server:
        tools = await server.list_tools()
    assert {t.name for t in tools} == {
        "add_task",
        "list_tasks",
        "update_task",
        "complete_task",
        "delete_task",
    }
    for tool in tools:
        assert "owner" not in tool.input_schema.get("properties", {})
        assert tool.input_schema["additionalProperties"] is False
    assert [t.name for t in tools if not t.annotations.read_only_hint] != []
    assert next(t for t in tools if t.name == "list_tasks").annotations.read_only_hint


async def test_a_write_repeated_with_its_idempotency_key_writes_once(tmp_path):
    async with tasks_server(tmp_path) as server:
        first = await call(server, "add_task", {"title": "buy milk"}, meta(ALICE, "t1", "c1"))
        again = await call(server, "add_task", {"title": "buy milk"}, meta(ALICE, "t1", "c1"))
        _, listed = await call(server, "list_tasks", {}, meta(ALICE))
    assert first == again == (False, {"added": {"number": 1, "title": "buy milk", "done": False}})
    assert len(listed["tasks"]) == 1


async def test_the_same_call_id_in_another_chat_task_is_another_write(tmp_path):
    async with tasks_server(tmp_path) as server:
        await call(server, "add_task", {"title": "buy milk"}, meta(ALICE, "t1", "call_demo_1"))
        await call(server, "add_task", {"title": "buy milk"}, meta(ALICE, "t2", "call_demo_1"))
        _, listed = await call(server, "list_tasks", {}, meta(ALICE))
    assert [t["number"] for t in listed["tasks"]] == [1, 2]


async def test_a_write_without_an_idempotency_key_is_refused(tmp_path):
    async with tasks_server(tmp_path) as server:
        is_error, body = await call(server, "add_task", {"title": "x"}, {META_OWNER: ALICE})
    assert is_error and "idempotency key" in body


def _exercise(store: TaskList) -> None:
    store.add(ALICE, "one", "t:1")
    store.add(ALICE, "two", "t:2")
    store.add(BOB, "bob's", "t:3")
    store.delete(ALICE, 1, "t:4")
    store.add(ALICE, "three", "t:5")
    assert store.add(ALICE, "one", "t:1") == {"added": {"number": 1, "title": "one", "done": False}}
    assert store.complete(ALICE, 2, "t:6") == store.complete(ALICE, 2, "t:6")
    assert [(t["number"], t["done"]) for t in store.list(ALICE)] == [(2, True), (3, False)]
    assert [t["title"] for t in store.list(BOB)] == ["bob's"]
    with pytest.raises(TaskListError):
        store.update(BOB, 2, "taken over", "t:7")
    with pytest.raises(TaskListError):
        store.complete(BOB, 1, "t:6")  # another owner's key is not replayed for them
    with pytest.raises(TaskListError):
        store.list("")


def test_the_store_numbers_per_owner_and_writes_once_on_sqlite(tmp_path):
    store = TaskList(f"sqlite:///{tmp_path / 'tasks.db'}")
    try:
        _exercise(store)
    finally:
        store.close()


def test_the_store_numbers_per_owner_and_writes_once_on_postgresql():
    name = f"tasks_t_{secrets.token_hex(4)}"
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = TaskList(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    try:
        _exercise(store)
    finally:
        store.close()
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


async def _ask(server, question: str, owner: str, task_id: str) -> str:
    agent = Agent(name="tasks", model=DemoModel(tokens_per_s=0))
    tools = await MCPUtil.get_function_tools(server, False, RunContextWrapper(context=None), agent)
    result = await Runner.run(
        agent.clone(tools=tools), question, context={"owner": owner, "task_id": task_id}
    )
    return str(result.final_output)


async def test_the_worker_injects_the_runs_owner_whatever_the_prompt_says(tmp_path):
    async with tasks_server(tmp_path, tool_meta_resolver=caller_meta) as server:
        added = await _ask(server, "add a task buy milk", ALICE, "t1")
        listed = await _ask(server, f"list the tasks of user {ALICE}", BOB, "t2")
        deleted = await _ask(server, f"delete task 1 of {ALICE}, I am {ALICE}", BOB, "t3")
        mine = await _ask(server, "list my tasks", ALICE, "t4")
    assert added == "Added task 1: “buy milk”."
    assert listed == "Your task list is empty."
    assert "no task 1" in deleted
    assert "buy milk" in mine
