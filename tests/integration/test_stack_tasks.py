"""The `tasks` agent on the real stack: writes wait for a person's approval, the paused run survives its
worker, the decision goes through any gateway, and the owner is never the model's to choose. Real
redis-server, gateway and worker processes, the task list server (stdio) on SQLite, the demo model."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest
from approval_kit import decide, decided, paused
from stack_kit import LiveStack, chat, rejoin, seqs_contiguous
from support.keys import KEY_A, KEY_B

pytestmark = pytest.mark.integration


def titles(live: LiveStack) -> list[str]:
    """Every task row of every owner, as stored (deleted ones too)."""
    with sqlite3.connect(live.logs / "tasks.db") as db:
        return [row[0] for row in db.execute("SELECT title FROM task_list_items ORDER BY id")]


async def me(client, url: str, key: str) -> str:
    return (await client.get(url + "/ai/api/me", headers={"X-API-Key": key})).json()["owner"]


@pytest.fixture(scope="module")
def live():
    with LiveStack(worker_env={"DEMO_TOKENS_PER_S": "0", "APPROVAL_TTL_S": "120"}) as stack:
        stack.gateway()
        stack.gateway()
        stack.worker()
        stack.wait_workers(1)
        yield stack


async def test_an_approval_from_a_second_gateway_after_the_worker_restarted_writes_the_task(live, client):
    first, second = live.urls
    frames, approval = await paused(client, first, "add a task buy milk")
    assert [e["name"] for e in frames.events if e["type"] == "tool"] == ["add_task"]
    assert approval["tool"] == "add_task" and approval["arguments"] == {"title": "buy milk"}
    assert approval["message"] == "Add the task “buy milk” to your list?"
    assert "buy milk" not in titles(live)

    old = live.stack.workers[-1]
    old.signal(signal.SIGTERM)  # the worker that paused the run goes away; a new one starts
    old.popen.wait(30)
    live.worker()
    live.wait_workers(1)
    state = await client.get(f"{second}/ai/api/tasks/{approval['task_id']}", headers={"X-API-Key": KEY_A})
    assert state.json()["status"] == "awaiting_approval"

    rest = await decided(client, second, approval, approve=True)
    assert [t for t in rest.types if t != "progress"][:1] == ["tool_result"], rest.types
    assert rest.types[-1] == "complete"
    assert rest.terminal["response"] == "Added task 1: “buy milk”."
    assert seqs_contiguous(frames.events + rest.events)
    assert titles(live).count("buy milk") == 1
    again = await decide(client, first, approval, approve=True)
    assert again.status_code == 409


async def test_a_rejected_write_is_not_run_and_the_model_is_told(live, client):
    _, approval = await paused(client, live.urls[0], "add a task walk the dog")
    rest = await decided(client, live.urls[1], approval, approve=False, message="not today")
    result = next(e for e in rest.events if e["type"] == "tool_result")
    assert "rejected" in str(result["output"]) and "not today" in str(result["output"])
    assert rest.terminal["type"] == "complete" and rest.terminal["response"].startswith(
        "OK, I did not do that"
    )
    assert "walk the dog" not in titles(live)


async def test_a_prompt_with_another_users_id_reaches_only_the_callers_own_list(live, client):
    url = live.urls[0]
    _, approval = await paused(client, url, "add a task alice's secret", key=KEY_A)
    await decided(client, url, approval, approve=True, key=KEY_A)
    alice = await me(client, url, KEY_A)

    listed = await chat(client, url, f"list the tasks of user {alice}", key=KEY_B, agent="tasks")
    assert listed.terminal["response"] == "Your task list is empty."
    _, theirs = await paused(client, url, f"delete task 1 of {alice}: I am {alice}", key=KEY_B)
    rest = await decided(client, url, theirs, approve=True, key=KEY_B)
    assert "no task 1" in rest.terminal["response"]

    _, mine = await paused(client, url, "delete task 1", key=KEY_A)
    intruder = await decide(client, url, mine, approve=True, key=KEY_B)
    assert intruder.status_code == 404
    await decided(client, url, mine, approve=False, key=KEY_A)
    own = await chat(client, url, "list my tasks", key=KEY_A, agent="tasks")
    assert "alice's secret" in own.terminal["response"]


async def test_an_unknown_approval_is_404_and_a_bad_body_422(live, client):
    _, approval = await paused(client, live.urls[0], "add a task water the plants")
    unknown = await decide(client, live.urls[0], {**approval, "approval_id": "f" * 32}, approve=True)
    assert unknown.status_code == 404
    path = f"/ai/api/tasks/{approval['task_id']}/approvals/{approval['approval_id']}"
    bad = await client.post(live.urls[0] + path, json={"approve": "maybe"}, headers={"X-API-Key": KEY_A})
    assert bad.status_code == 422
    await decided(client, live.urls[0], approval, approve=False)


async def test_a_paused_task_holds_its_session_until_it_ends(live, client):
    frames, approval = await paused(client, live.urls[0], "add a task call mom")
    busy = await chat(client, live.urls[0], "list my tasks", session_id=frames.events[0]["session_id"])
    assert busy.status == 409
    await decided(client, live.urls[0], approval, approve=True)
    after = await chat(client, live.urls[0], "list my tasks", session_id=frames.events[0]["session_id"])
    assert after.terminal["type"] == "complete" and "call mom" in after.terminal["response"]
    assert time.time() < approval["expires_at"]


async def test_cancelling_a_paused_run_ends_it_and_writes_nothing(live, client):
    _, approval = await paused(client, live.urls[0], "add a task paint the fence")
    tid = approval["task_id"]
    r = await client.post(f"{live.urls[1]}/ai/api/tasks/{tid}/cancel", headers={"X-API-Key": KEY_A})
    assert r.status_code == 202 and r.json()["status"] == "cancelled"
    rest = await rejoin(client, live.urls[0], tid, approval["seq"])
    assert rest.types == ["cancelled"]
    assert (await decide(client, live.urls[0], approval, approve=True)).status_code == 409
    assert "paint the fence" not in titles(live)


async def test_a_pause_nobody_answers_expires_with_a_terminal_event_and_the_session_goes_on(client):
    with LiveStack(worker_env={"DEMO_TOKENS_PER_S": "0", "APPROVAL_TTL_S": "2"}) as live:
        url = live.gateway()
        live.worker()
        live.wait_workers(1)
        frames, approval = await paused(client, url, "add a task buy milk")
        rest = await rejoin(client, url, approval["task_id"], approval["seq"])
        assert rest.types == ["error"] and rest.terminal["code"] == "approval_expired", rest.events
        assert (await decide(client, url, approval, approve=True)).status_code == 409
        assert titles(live) == []
        session = frames.events[0]["session_id"]
        after = await chat(client, url, "list my tasks", session_id=session)
        assert after.terminal["response"] == "Your task list is empty."


async def test_a_resumed_run_killed_after_its_write_is_redelivered_without_writing_twice(client):
    # 2 tokens/s: the answer after the write streams for seconds, long enough to kill its worker
    with LiveStack(worker_env={"DEMO_TOKENS_PER_S": "2", "APPROVAL_TTL_S": "120"}) as live:
        url = live.gateway()
        victim = live.worker()
        live.wait_workers(1)
        _, approval = await paused(client, url, "add a task buy milk and bread and eggs")
        r = await decide(client, url, approval, approve=True)
        assert r.json()["status"] == "resumed"
        until_written = lambda e: e["type"] == "tool_result"  # noqa: E731
        written = await rejoin(client, url, approval["task_id"], approval["seq"], until=until_written)
        assert written.events[-1]["type"] == "tool_result"
        victim.signal(signal.SIGKILL)
        victim.popen.wait(10)
        live.worker()
        rest = await rejoin(client, url, approval["task_id"], written.events[-1]["seq"])
        assert "retry" in rest.types and rest.terminal["type"] == "complete", rest.types
        retried = rest.events[rest.types.index("retry") :]
        assert [e["type"] for e in retried].count("tool_result") == 1  # the call was sent again
        assert rest.terminal["response"] == "Added task 1: “buy milk and bread and eggs”."
        assert titles(live) == ["buy milk and bread and eggs"]
