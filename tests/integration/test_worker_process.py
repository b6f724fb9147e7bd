"""Worker processes (`python -m agent_service`, demo model, real MCP server) against a real redis-server."""

from __future__ import annotations

import json
import signal
import time

import psutil
import pytest
from support.waiting import wait_until
from worker_stack import QUESTION, Workers, check, enqueue, events, wait_heartbeat, wait_terminal

from contract import ControlCommand, TaskField, keys

pytestmark = pytest.mark.integration


@pytest.fixture
def workers(redis_server, tmp_path):
    ws = Workers(redis_server.url, tmp_path / "logs")
    yield ws
    ws.stop_all()


def answer_after_last_retry(evs) -> str:
    start = max((i for i, e in enumerate(evs) if e.type == "retry"), default=0)
    return "".join(e.content for e in evs[start:] if e.type == "token")


async def first_token(r, task_id: str) -> None:
    async def seen():
        return any(e.type == "token" for e in await events(r, task_id))

    await wait_until(seen, 60, what="the first token")


async def test_worker_picks_up_a_task_and_completes_it(real_redis, workers):
    w = workers.start()
    await wait_heartbeat(real_redis, w.worker_id)
    task = await enqueue(real_redis)
    evs = await wait_terminal(real_redis, task.task_id, workers=workers)
    assert [e.seq for e in evs] == list(range(len(evs)))
    assert evs[-1].type == "complete", workers.logs()
    assert {"tool", "tool_result", "token"} <= {e.type for e in evs}
    assert answer_after_last_retry(evs) == evs[-1].response
    assert await real_redis.hget(keys.task(task.task_id), TaskField.STATUS) == "completed"
    assert await real_redis.llen(keys.session_transcript("s1")) == 2
    beat = json.loads(await real_redis.get(keys.heartbeat(w.worker_id)))
    assert beat["pid"] == w.pid and beat["concurrency"] == 4 and beat["model_provider"] == "demo"


async def test_check_exit_code_follows_the_heartbeat(real_redis, redis_server, workers):
    assert check(redis_server.url) == 1
    w = workers.start()
    await wait_heartbeat(real_redis, w.worker_id)
    assert check(redis_server.url) == 0
    assert check(redis_server.url, WORKER_ID=w.worker_id) == 0
    assert check(redis_server.url, WORKER_ID="someone-else") == 1
    assert w.stop() == 0
    assert check(redis_server.url) == 1


async def test_killed_worker_task_is_redelivered_with_retry_event_and_completes(real_redis, workers):
    a = workers.start(DEMO_TOKENS_PER_S="10")
    await wait_heartbeat(real_redis, a.worker_id)
    task = await enqueue(real_redis)
    await first_token(real_redis, task.task_id)
    a.signal(signal.SIGKILL)
    b = workers.start()
    await wait_heartbeat(real_redis, b.worker_id)
    evs = await wait_terminal(real_redis, task.task_id, workers=workers)
    assert evs[-1].type == "complete", workers.logs()
    retries = [e for e in evs if e.type == "retry"]
    assert len(retries) == 1 and retries[0].attempt == 2
    assert [e.seq for e in evs] == list(range(len(evs)))
    assert answer_after_last_retry(evs) == evs[-1].response
    assert not await real_redis.sismember(keys.WORKERS, a.worker_id)


async def test_exhausted_attempts_end_in_max_attempts_error(real_redis, workers):
    a = workers.start(DEMO_TOKENS_PER_S="10", MAX_ATTEMPTS="1")
    await wait_heartbeat(real_redis, a.worker_id)
    task = await enqueue(real_redis)
    await first_token(real_redis, task.task_id)
    a.signal(signal.SIGKILL)
    workers.start(MAX_ATTEMPTS="1")
    evs = await wait_terminal(real_redis, task.task_id, workers=workers)
    assert (evs[-1].type, evs[-1].code) == ("error", "max_attempts")


async def test_sigterm_lets_an_in_flight_run_finish_within_drain_timeout(real_redis, workers):
    w = workers.start(DEMO_TOKENS_PER_S="25", DRAIN_TIMEOUT_S="30")
    await wait_heartbeat(real_redis, w.worker_id)
    task = await enqueue(real_redis)
    await first_token(real_redis, task.task_id)
    w.signal(signal.SIGTERM)
    w.popen.wait(40)
    assert w.popen.returncode == 0, workers.logs()
    evs = await events(real_redis, task.task_id)
    assert evs[-1].type == "complete" and "retry" not in [e.type for e in evs]
    assert not await real_redis.exists(keys.heartbeat(w.worker_id))
    assert not await real_redis.sismember(keys.WORKERS, w.worker_id)


async def test_sigterm_hands_a_long_run_back_and_another_worker_completes_it(real_redis, workers):
    a = workers.start(DEMO_TOKENS_PER_S="5", DRAIN_TIMEOUT_S="1")
    await wait_heartbeat(real_redis, a.worker_id)
    task = await enqueue(real_redis)
    await first_token(real_redis, task.task_id)
    a.signal(signal.SIGTERM)
    a.popen.wait(30)
    assert a.popen.returncode == 0, workers.logs()
    assert not (await events(real_redis, task.task_id))[-1].terminal
    assert await real_redis.llen(keys.TASK_QUEUE) == 1
    assert not await real_redis.exists(keys.task_lock(task.task_id))
    workers.start()
    evs = await wait_terminal(real_redis, task.task_id, workers=workers)
    assert evs[-1].type == "complete" and [e.type for e in evs].count("retry") == 1
    assert answer_after_last_retry(evs) == evs[-1].response


async def test_cancel_on_agent_control_stops_the_run_with_a_cancelled_event(real_redis, workers):
    w = workers.start(DEMO_TOKENS_PER_S="5")
    await wait_heartbeat(real_redis, w.worker_id)
    task = await enqueue(real_redis)
    await first_token(real_redis, task.task_id)
    sent = time.monotonic()
    await real_redis.hset(keys.task(task.task_id), TaskField.CANCEL, "1")
    await real_redis.publish(
        keys.CONTROL_CHANNEL, ControlCommand(action="cancel", task_id=task.task_id).model_dump_json()
    )
    evs = await wait_terminal(real_redis, task.task_id, workers=workers)
    assert evs[-1].type == "cancelled" and time.monotonic() - sent < 2


async def test_queued_task_older_than_queue_timeout_fails_with_no_worker(real_redis, workers):
    w = workers.start(WORKER_CONCURRENCY="1", DEMO_TOKENS_PER_S="5", QUEUE_TIMEOUT_S="1")
    await wait_heartbeat(real_redis, w.worker_id)
    busy = await enqueue(real_redis, session_id="busy")
    await first_token(real_redis, busy.task_id)
    waiting = await enqueue(real_redis, session_id="waiting")
    evs = await wait_terminal(real_redis, waiting.task_id, within=20, workers=workers)
    assert (evs[-1].type, evs[-1].code) == ("error", "no_worker")
    assert await real_redis.llen(keys.TASK_QUEUE) == 0


async def test_dead_mcp_server_is_replaced_and_the_runs_that_hit_it_complete(real_redis, workers):
    w = workers.start()
    await wait_heartbeat(real_redis, w.worker_id)
    for child in psutil.Process(w.pid).children(recursive=True):
        child.kill()
    task = await enqueue(real_redis)
    evs = await wait_terminal(real_redis, task.task_id, workers=workers)
    assert evs[-1].type == "complete", workers.logs()
    later = await enqueue(real_redis, session_id="s2")
    evs = await wait_terminal(real_redis, later.task_id, workers=workers)
    assert evs[-1].type == "complete", workers.logs()


async def test_worker_survives_a_redis_restart_and_completes_later_tasks(tmp_path):
    import redis.asyncio as aioredis

    from devstack.redis_server import RedisServer

    server = RedisServer().start()
    ws = Workers(server.url, tmp_path / "logs")
    r = aioredis.Redis.from_url(server.url, decode_responses=True)
    try:
        w = ws.start(DEMO_TOKENS_PER_S="10")
        await wait_heartbeat(r, w.worker_id)
        task = await enqueue(r)
        await first_token(r, task.task_id)
        server.restart()  # mid-run; no persistence, so the in-flight task's keys are gone
        await r.aclose()
        r = aioredis.Redis.from_url(server.url, decode_responses=True)
        await wait_heartbeat(r, w.worker_id, within=30)
        assert w.alive()
        later = await enqueue(r, message=QUESTION, session_id="after")
        evs = await wait_terminal(r, later.task_id, workers=ws)
        assert evs[-1].type == "complete", ws.logs()
        assert w.alive()
    finally:
        ws.stop_all()
        await r.aclose()
        server.stop()


async def test_worker_survives_redis_error_replies_and_keeps_working(real_redis, workers):
    w = workers.start()
    await wait_heartbeat(real_redis, w.worker_id)
    policy = (await real_redis.config_get("maxmemory-policy"))["maxmemory-policy"]
    await real_redis.config_set("maxmemory-policy", "noeviction")
    await real_redis.config_set("maxmemory", 1)  # every write now fails with an OOM error reply
    try:
        await wait_until(
            lambda: _missing(real_redis, keys.heartbeat(w.worker_id)), 10, what="the heartbeat to lapse"
        )
    finally:
        await real_redis.config_set("maxmemory", 0)
        await real_redis.config_set("maxmemory-policy", policy)
    await wait_heartbeat(real_redis, w.worker_id, within=10)
    assert w.alive(), workers.logs()
    task = await enqueue(real_redis, session_id="after-oom")
    evs = await wait_terminal(real_redis, task.task_id, workers=workers)
    assert evs[-1].type == "complete", workers.logs()


async def _missing(r, key: str) -> bool:
    return not await r.exists(key)
