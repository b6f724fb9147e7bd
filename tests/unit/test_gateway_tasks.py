"""Task status, resumable events and cancellation (owner-scoped)."""

from __future__ import annotations

import asyncio
import json

import pytest
from gateway_fixtures import gateway_settings, running_gateway, task_events
from support.keys import HEADERS_A, HEADERS_B
from support.waiting import wait_until

from contract import ChatTask, TaskField, keys

CHAT = "/ai/api/chat/stream"


async def _finished_task(client) -> tuple[str, list[dict]]:
    response = await client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A)
    return response.headers["X-Task-ID"], task_events(response.content)


async def test_events_resume_after_the_last_event_id_header(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        task_id, events = await _finished_task(client)
        resumed = await client.get(
            f"/ai/api/tasks/{task_id}/events", headers={**HEADERS_A, "Last-Event-ID": "2"}
        )
    assert resumed.status_code == 200
    assert task_events(resumed.content) == events[3:]


async def test_events_resume_after_the_last_event_id_query_parameter(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        task_id, events = await _finished_task(client)
        resumed = await client.get(f"/ai/api/tasks/{task_id}/events?last_event_id=0", headers=HEADERS_A)
    assert task_events(resumed.content) == events[1:]


async def test_events_body_is_exact_sse_bytes(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        task_id, events = await _finished_task(client)
        last = events[-1]
        resumed = await client.get(
            f"/ai/api/tasks/{task_id}/events", headers={**HEADERS_A, "Last-Event-ID": str(last["seq"] - 1)}
        )
    stored = json.dumps(last, separators=(",", ":"))
    assert resumed.content == f"id: {last['seq']}\ndata: {stored}\n\n".encode()


async def test_events_of_an_unknown_task_are_204(server):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.get(f"/ai/api/tasks/{'f' * 32}/events", headers=HEADERS_A)
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ai/api/tasks/{t}"),
        ("GET", "/ai/api/tasks/{t}/events"),
        ("POST", "/ai/api/tasks/{t}/cancel"),
        ("DELETE", "/ai/api/sessions/s1/feedback/{t}"),
    ],
)
@pytest.mark.parametrize("task_id", ["nosuchtask", "F" * 32, "f" * 31, "f" * 33])
async def test_a_task_id_unlike_the_ones_the_gateway_mints_is_422(server, method, path, task_id):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.request(method, path.format(t=task_id), headers=HEADERS_A)
    assert response.status_code == 422


async def test_events_of_a_fully_read_finished_task_are_204(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        task_id, events = await _finished_task(client)
        response = await client.get(
            f"/ai/api/tasks/{task_id}/events", headers={**HEADERS_A, "Last-Event-ID": str(events[-1]["seq"])}
        )
    assert response.status_code == 204


async def test_events_of_another_keys_task_are_404(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        task_id, _ = await _finished_task(client)
        response = await client.get(f"/ai/api/tasks/{task_id}/events", headers=HEADERS_B)
    assert response.status_code == 404


async def test_non_numeric_last_event_id_is_422(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        task_id, _ = await _finished_task(client)
        response = await client.get(f"/ai/api/tasks/{task_id}/events?last_event_id=abc", headers=HEADERS_A)
    assert response.status_code == 422


async def test_joining_a_running_task_streams_backlog_then_live(server, redis, worker):
    worker.token_delay_s = 0.05
    worker.answer = "one two three four five six"
    async with running_gateway(gateway_settings(), server) as client:
        post = asyncio.create_task(client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A))
        task = await wait_until(lambda: worker.taken)
        await wait_until(lambda: redis.xlen(keys.task_events(task[0].task_id)), timeout=5)
        joined = await client.get(f"/ai/api/tasks/{task[0].task_id}/events", headers=HEADERS_A)
        original = await post
    assert task_events(joined.content) == task_events(original.content)


async def test_status_shows_the_task_record_to_its_owner_only(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        task_id, events = await _finished_task(client)
        mine = await client.get(f"/ai/api/tasks/{task_id}", headers=HEADERS_A)
        theirs = await client.get(f"/ai/api/tasks/{task_id}", headers=HEADERS_B)
    body = mine.json()
    assert body["task_id"] == task_id and body["status"] == "completed" and body["attempts"] == 1
    assert body["session_id"] == events[0]["session_id"]
    assert body["created_at"] <= body["started_at"] <= body["finished_at"]
    assert "owner" not in body and "payload" not in body
    assert theirs.status_code == 404


async def test_cancel_of_a_queued_task_ends_its_stream_with_cancelled(server, redis, idle_worker):
    async with running_gateway(gateway_settings(), server) as client:
        post = asyncio.create_task(client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A))
        queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
        task_id = ChatTask.model_validate_json(queued[0]).task_id
        cancel = await client.post(f"/ai/api/tasks/{task_id}/cancel", headers=HEADERS_A)
        again = await client.post(f"/ai/api/tasks/{task_id}/cancel", headers=HEADERS_A)
        response = await asyncio.wait_for(post, 5)
    assert cancel.status_code == 202
    assert cancel.json() == {"task_id": task_id, "status": "cancelled"}
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert [e["type"] for e in task_events(response.content)] == ["session", "cancelled"]
    assert await redis.llen(keys.TASK_QUEUE) == 0


async def test_cancel_of_a_running_task_signals_the_workers(server, redis, idle_worker):
    async with running_gateway(gateway_settings(), server) as client:
        post = asyncio.create_task(client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A))
        raw = await wait_until(lambda: redis.rpop(keys.TASK_QUEUE))
        task_id = ChatTask.model_validate_json(raw).task_id
        await redis.hset(keys.task(task_id), TaskField.STATUS, "running")
        control = redis.pubsub()
        await control.subscribe(keys.CONTROL_CHANNEL)
        cancel = await client.post(f"/ai/api/tasks/{task_id}/cancel", headers=HEADERS_A)
        message = await wait_until(lambda: control.get_message(ignore_subscribe_messages=True, timeout=0.1))
        await control.aclose()
        post.cancel()
    assert cancel.status_code == 202
    assert cancel.json() == {"task_id": task_id, "status": "running"}
    assert json.loads(message["data"]) == {"action": "cancel", "task_id": task_id}
    assert await redis.hget(keys.task(task_id), TaskField.CANCEL) == "1"


async def test_cancel_of_another_keys_task_is_404(server, redis, idle_worker):
    async with running_gateway(gateway_settings(), server) as client:
        post = asyncio.create_task(client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A))
        queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
        task_id = ChatTask.model_validate_json(queued[0]).task_id
        response = await client.post(f"/ai/api/tasks/{task_id}/cancel", headers=HEADERS_B)
        await client.post(f"/ai/api/tasks/{task_id}/cancel", headers=HEADERS_A)
        await post
    assert response.status_code == 404


async def test_resuming_past_the_last_event_of_a_task_that_then_finishes_ends_the_stream(
    server, redis, worker
):
    worker.hold = True
    async with running_gateway(gateway_settings(), server) as client:
        post = asyncio.create_task(client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A))
        queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
        task_id = ChatTask.model_validate_json(queued[0]).task_id
        stale = asyncio.create_task(
            client.get(f"/ai/api/tasks/{task_id}/events", headers={**HEADERS_A, "Last-Event-ID": "999"})
        )
        worker.hold = False
        await asyncio.wait_for(post, 5)
        response = await asyncio.wait_for(stale, 5)  # used to stay open until the record expired
    assert response.status_code == 200
    assert task_events(response.content) == []


async def test_cancel_of_a_handed_back_task_waiting_in_the_queue_cancels_it(server, redis, idle_worker):
    """A drained worker hands a task back with status still `running`: cancel must still unqueue it."""
    async with running_gateway(gateway_settings(), server) as client:
        post = asyncio.create_task(client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A))
        queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
        task_id = ChatTask.model_validate_json(queued[0]).task_id
        await redis.hset(keys.task(task_id), TaskField.STATUS, "running")
        cancel = await client.post(f"/ai/api/tasks/{task_id}/cancel", headers=HEADERS_A)
        response = await asyncio.wait_for(post, 5)
    assert cancel.json()["status"] == "cancelled"
    assert [e["type"] for e in task_events(response.content)] == ["session", "cancelled"]
    assert await redis.llen(keys.TASK_QUEUE) == 0
