"""The SSE stream: exact frames, the no-worker watchdog, vanished tasks, shutdown, client disconnect."""

from __future__ import annotations

import asyncio

from gateway_fixtures import gateway_settings, parse_sse, running_gateway, stream_then_disconnect, task_events
from support.keys import HEADERS_A
from support.waiting import wait_until

from backend.sse import RECONNECT, event_frame
from contract import ChatTask, CompleteEvent, TaskField, keys

CHAT = "/ai/api/chat/stream"


def test_event_frame_bytes_are_exact():
    data = '{"task_id":"t","seq":3,"type":"token","content":"hi"}'
    assert event_frame(3, data) == b'id: 3\ndata: {"task_id":"t","seq":3,"type":"token","content":"hi"}\n\n'


def test_reconnect_frame_has_retry_and_no_id_or_data():
    assert RECONNECT == b": reconnect\nevent: reconnect\nretry: 1000\n\n"


async def test_task_nobody_takes_ends_with_no_worker_error_and_leaves_the_queue(server, redis, idle_worker):
    async with running_gateway(gateway_settings(queue_timeout_s=0), server) as client:
        response = await client.post(CHAT, json={"message": "anyone?"}, headers=HEADERS_A)
    events = task_events(response.content)
    assert [e["type"] for e in events] == ["session", "error"]
    assert events[1]["code"] == "no_worker"
    assert await redis.llen(keys.TASK_QUEUE) == 0
    assert await redis.hget(keys.task(response.headers["X-Task-ID"]), TaskField.STATUS) == "failed"


async def test_task_whose_record_vanished_ends_with_a_synthesized_error(server, redis, idle_worker):
    async with running_gateway(gateway_settings(), server) as client:
        post = asyncio.create_task(client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A))
        queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
        task_id = ChatTask.model_validate_json(queued[0]).task_id
        await redis.delete(keys.task(task_id), keys.TASK_QUEUE)
        response = await asyncio.wait_for(post, 5)
    events = task_events(response.content)
    assert [e["type"] for e in events] == ["session", "error"]
    assert events[1]["seq"] == 1 and events[1]["code"] == "internal"


async def test_shutdown_sends_a_retry_frame_without_id_and_ends_the_stream(server, redis, idle_worker):
    async with running_gateway(gateway_settings(), server) as client:
        post = asyncio.create_task(client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A))
        await wait_until(lambda: redis.llen(keys.TASK_QUEUE))
        await asyncio.sleep(0.05)
        client.app.state.lifecycle.begin_close()
        response = await asyncio.wait_for(post, 5)
    frames = parse_sse(response.content)
    assert frames[0]["data"]["type"] == "session"
    assert frames[-1] == {
        "id": None,
        "event": "reconnect",
        "retry": "1000",
        "data": None,
        "comment": ["reconnect"],
    }
    assert await redis.hget(keys.task(response.headers["X-Task-ID"]), TaskField.STATUS) == "queued"


async def test_client_leaving_with_on_disconnect_cancel_cancels_the_task(server, redis, idle_worker):
    async with running_gateway(gateway_settings(), server) as client:
        body = {"message": "hi", "on_disconnect": "cancel"}
        seen = await stream_then_disconnect(client.app, CHAT, body, HEADERS_A, after_frames=1)
        task_id = task_events(seen)[0]["task_id"]
        await wait_until(lambda: redis.hget(keys.task(task_id), TaskField.STATUS), timeout=5)
        status = await wait_until(lambda: _finished_status(redis, task_id))
    assert status == "cancelled"
    assert await redis.llen(keys.TASK_QUEUE) == 0


async def test_client_leaving_by_default_lets_the_task_run_on(server, redis, worker):
    worker.hold = True
    async with running_gateway(gateway_settings(), server) as client:
        seen = await stream_then_disconnect(client.app, CHAT, {"message": "hi"}, HEADERS_A, after_frames=1)
        task_id = task_events(seen)[0]["task_id"]
        worker.hold = False
        status = await wait_until(lambda: _finished_status(redis, task_id))
    assert status == "completed"


async def _finished_status(redis, task_id):
    status = await redis.hget(keys.task(task_id), TaskField.STATUS)
    return status if status in ("completed", "failed", "cancelled") else None


async def test_a_terminal_event_landing_between_log_read_and_status_read_is_still_sent(
    server, redis, idle_worker
):
    """The quiet check reads the log, then the task's status; a terminal event (written in one step
    with the finished status) that lands in between must reach the client, not end it silently."""
    async with running_gateway(gateway_settings(queue_timeout_s=0, stream_gap_s=0.2), server) as client:
        store = client.app.state.streams.tasks
        real_get = store.get

        async def get_after_the_worker_finished(task_id):
            await client.app.state.streams.eventlog.append(
                CompleteEvent(task_id=task_id, response="", session_id="s")
            )
            store.get = real_get
            return await real_get(task_id)

        store.get = get_after_the_worker_finished
        response = await asyncio.wait_for(client.post(CHAT, json={"message": "hi"}, headers=HEADERS_A), 10)
    assert [e["type"] for e in task_events(response.content)] == ["session", "complete"]
