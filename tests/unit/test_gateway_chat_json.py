"""POST /ai/api/chat: the same admission as the stream, then one JSON answer once the turn ended."""

from __future__ import annotations

from gateway_fixtures import gateway_settings, running_gateway
from support.keys import HEADERS_A

from contract import keys


async def test_the_answer_comes_back_whole_with_its_timings(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post("/ai/api/chat", json={"message": "hi"}, headers=HEADERS_A)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "complete" and body["response"] == worker.answer
    assert body["task_id"] == response.headers["x-task-id"] == worker.taken[0].task_id
    assert body["session_id"] == response.headers["x-session-id"]
    assert body["error"] is None
    timings = body["timings"]
    assert 0 <= timings["first_event_ms"] <= timings["first_token_ms"] <= timings["total_ms"]


async def test_the_answer_continues_its_session(server, worker):
    async with running_gateway(gateway_settings(), server) as client:
        first = (await client.post("/ai/api/chat", json={"message": "one"}, headers=HEADERS_A)).json()
        body = {"message": "two", "session_id": first["session_id"]}
        second = (await client.post("/ai/api/chat", json=body, headers=HEADERS_A)).json()
    assert second["status"] == "complete" and second["session_id"] == first["session_id"]


async def test_no_answer_in_time_is_a_504_that_names_the_task_which_runs_on(server, worker):
    worker.hold = True
    async with running_gateway(gateway_settings(chat_wait_s=0.5), server) as client:
        response = await client.post("/ai/api/chat", json={"message": "hi"}, headers=HEADERS_A)
        task_id = response.json()["task_id"]
        queued = await client.get(f"/ai/api/tasks/{task_id}", headers=HEADERS_A)
    assert response.status_code == 504
    body = response.json()
    assert body["detail"] and body["events_url"] == f"/ai/api/tasks/{task_id}/events"
    assert response.headers["x-task-id"] == task_id
    assert queued.json()["status"] == "queued"


async def test_a_terminal_event_whose_message_was_lost_is_found_in_the_log(server, worker, monkeypatch):
    from backend.relay import Listener

    monkeypatch.setattr(Listener, "push", lambda self, data: True)  # pub/sub delivers nothing
    async with running_gateway(gateway_settings(stream_gap_s=0.1), server) as client:
        response = await client.post("/ai/api/chat", json={"message": "hi"}, headers=HEADERS_A)
    assert response.json()["status"] == "complete"


async def test_bad_input_is_refused_before_anything_is_queued(server, worker):
    worker.hold = True
    async with running_gateway(gateway_settings(), server) as client:
        blank = await client.post("/ai/api/chat", json={"message": "  "}, headers=HEADERS_A)
        nokey = await client.post("/ai/api/chat", json={"message": "hi"})
        queued = await worker.redis.llen(keys.TASK_QUEUE)
    assert (blank.status_code, nokey.status_code) == (422, 401)
    assert blank.json()["detail"] and nokey.json()["detail"]
    assert queued == 0
