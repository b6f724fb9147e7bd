"""POST /ai/api/chat/stream: the happy path, sessions, request ids, and admission errors (the rate
limits and stream caps per user and per key: test_gateway_limits.py)."""

from __future__ import annotations

import asyncio

from gateway_fixtures import chat_with_follow_up, gateway_settings, running_gateway, task_events
from support.keys import HEADERS_A, HEADERS_B
from support.waiting import wait_until

from contract import ChatTask, TaskField, keys

CHAT = "/ai/api/chat/stream"


async def test_stream_returns_task_headers_and_session_event_first(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post(CHAT, json={"message": "How many orders?"}, headers=HEADERS_A)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    task_id = response.headers["X-Task-ID"]
    assert response.headers["Content-Location"] == f"/ai/api/tasks/{task_id}/events"
    events = task_events(response.content)
    assert events[0]["type"] == "session" and events[0]["seq"] == 0
    assert events[0]["session_id"] == response.headers["X-Session-ID"]
    assert events[-1]["type"] == "complete"
    assert [e["seq"] for e in events] == list(range(len(events)))
    tokens = "".join(e["content"] for e in events if e["type"] == "token")
    assert tokens == events[-1]["response"]


async def test_follow_up_message_continues_the_same_session(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        first = await client.post(CHAT, json={"message": "first"}, headers=HEADERS_A)
        session_id = first.headers["X-Session-ID"]
        second = await client.post(
            CHAT, json={"message": "second", "session_id": session_id}, headers=HEADERS_A
        )
    assert second.status_code == 200
    assert second.headers["X-Session-ID"] == session_id
    assert task_events(second.content)[0]["session_id"] == session_id
    assert [t.session_id for t in worker.taken] == [session_id, session_id]


async def test_other_keys_session_is_404_and_nothing_is_enqueued(server, worker, redis):
    async with running_gateway(gateway_settings(), server) as client:
        first = await client.post(CHAT, json={"message": "mine"}, headers=HEADERS_A)
        session_id = first.headers["X-Session-ID"]
        stolen = await client.post(
            CHAT, json={"message": "yours?", "session_id": session_id}, headers=HEADERS_B
        )
    assert stolen.status_code == 404
    assert stolen.json() == {"detail": "Session not found"}
    assert len(worker.taken) == 1


async def test_unknown_session_is_404(server, redis, idle_worker):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post(CHAT, json={"message": "hi", "session_id": "nope"}, headers=HEADERS_A)
    assert response.status_code == 404
    assert await redis.llen(keys.TASK_QUEUE) == 0


async def test_request_id_is_echoed_and_carried_into_the_task(server, worker, redis):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post(
            CHAT, json={"message": "hi"}, headers={**HEADERS_A, "X-Request-ID": "req-123"}
        )
    assert response.headers["X-Request-ID"] == "req-123"
    assert worker.taken[0].request_id == "req-123"
    task_hash = await redis.hgetall(keys.task(response.headers["X-Task-ID"]))
    assert task_hash[TaskField.REQUEST_ID] == "req-123"


async def test_second_message_while_a_run_is_active_is_409_with_the_active_task(server, worker, redis):
    worker.hold = True
    async with running_gateway(gateway_settings(), server) as client:
        first = asyncio.create_task(client.post(CHAT, json={"message": "long one"}, headers=HEADERS_A))
        queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
        active = ChatTask.model_validate_json(queued[0])
        again = await client.post(
            CHAT, json={"message": "again", "session_id": active.session_id}, headers=HEADERS_A
        )
        worker.hold = False
        await first
    assert again.status_code == 409
    assert again.json() == {"detail": "session has an active run", "task_id": active.task_id}


async def test_enqueue_mode_queues_behind_the_active_run_and_streams_it_after(server, worker, redis):
    worker.hold = True
    async with running_gateway(gateway_settings(), server) as client:
        first, second, session_id = await chat_with_follow_up(client, redis)
        assert await redis.llen(keys.TASK_QUEUE) == 1
        worker.hold = False
        one, two = await first, await second
    assert two.status_code == 200
    events = task_events(two.content)
    assert events[0] == {
        "task_id": two.headers["X-Task-ID"],
        "seq": 0,
        "type": "session",
        "session_id": session_id,
    }
    assert events[-1]["type"] == "complete"
    assert [t.message for t in worker.taken] == ["one", "two"]
    assert task_events(one.content)[-1]["type"] == "complete"


async def test_full_queue_answers_503_with_retry_after(server, redis):
    await redis.rpush(keys.TASK_QUEUE, "x", "y")
    async with running_gateway(gateway_settings(max_queue_depth=2), server) as client:
        response = await client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert await redis.llen(keys.TASK_QUEUE) == 2


async def test_redis_down_on_post_is_503_json_not_500(server):
    async with running_gateway(gateway_settings(), server) as client:
        server.connected = False
        response = await client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A)
        server.connected = True
    assert response.status_code == 503
    assert response.json()["detail"] == "Service temporarily unavailable, try again shortly"
    assert "Retry-After" in response.headers


async def test_enqueue_mode_names_the_task_it_waits_behind(server, worker, redis):
    worker.hold = True  # the first run stays queued, so it is the session's active task
    async with running_gateway(gateway_settings(), server) as client:
        first = asyncio.create_task(client.post(CHAT, json={"message": "one"}, headers=HEADERS_A))
        queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
        active = ChatTask.model_validate_json(queued[0])
        second = asyncio.create_task(
            client.post(
                CHAT,
                json={"message": "two", "session_id": active.session_id, "multitask": "enqueue"},
                headers=HEADERS_A,
            )
        )
        await wait_until(lambda: redis.llen(keys.session_queue(active.session_id)))
        worker.hold = False
        response = await asyncio.wait_for(second, 10)
        await asyncio.wait_for(first, 10)
    assert response.headers["X-Queued-Behind"] == active.task_id
