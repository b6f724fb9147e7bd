"""Redis and run faults the worker must survive without losing, duplicating or orphaning work (fakeredis)."""

from __future__ import annotations

import asyncio
import time

import anyio
import httpx2 as httpx
import openai
import pytest
from agents.testing import ScriptedModel
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from support.waiting import wait_until
from worker_kit import enqueue, events_of, first_token, make_runner, settings, sql_call, text_step

from agent_service.delivery.control import ControlListener
from agent_service.delivery.heartbeat import Heartbeat
from agent_service.delivery.reaper import Reaper
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.execution import eventsink as eventsink_module
from agent_service.execution.eventsink import EventSink
from agent_service.execution.record import RunRecord
from agent_service.execution.runstate import AgentSetup, error_code
from agent_service.execution.translation import Translator
from agent_service.redis_clients import RedisClients
from agent_service.worker import Worker
from contract import CancelledEvent, EventLog, TaskField, keys


def worker(fake_redis, **over) -> Worker:
    return Worker(settings(**over), RedisClients.single(fake_redis), setup=AgentSetup(agent=None))  # type: ignore[arg-type]


async def test_heartbeat_loop_survives_a_redis_error_reply(fake_redis):
    hb = Heartbeat(
        fake_redis, settings(heartbeat_interval_s=0.05), make_runner(fake_redis, ScriptedModel([]))
    )
    real, calls = hb.beat, []

    async def oom_once():
        calls.append(1)
        if len(calls) == 1:
            raise ResponseError("OOM command not allowed when used memory > 'maxmemory'")
        await real()

    hb.beat = oom_once
    loop = asyncio.create_task(hb.beat_forever())
    await wait_until(lambda: fake_redis.exists(keys.heartbeat("w-test")), 2, what="a heartbeat")
    assert await fake_redis.exists(keys.heartbeat("w-test")) and not loop.done()
    loop.cancel()


async def test_consume_loop_survives_error_replies_from_blmove_and_runs_the_next_task(fake_redis):
    task, payload = await enqueue(fake_redis)
    await fake_redis.delete(keys.processing("w-test"))
    await fake_redis.lpush(keys.TASK_QUEUE, payload)
    w = worker(fake_redis)
    real, calls = w.queue.take, []

    async def readonly_twice(block_s):
        calls.append(1)
        if len(calls) <= 2:
            raise ResponseError("READONLY You can't write against a read only replica.")
        return await real(block_s)

    w.queue.take = readonly_twice
    ran = []

    async def record(p):
        ran.append(p)
        w.stopping.set()

    w.delivery.deliver = record
    await asyncio.wait_for(w._consume(), 10)
    await asyncio.gather(*w.runs)
    assert ran == [payload]


async def test_worker_drains_its_runs_even_when_the_consume_loop_fails(fake_redis):
    w = worker(fake_redis)
    drained = []

    async def broken_consume():
        raise RuntimeError("unexpected")

    async def drain():
        drained.append(1)

    w._consume, w._drain = broken_consume, drain
    with pytest.raises(RuntimeError):
        await w.serve()
    assert drained == [1]


async def test_cancel_poll_survives_a_redis_error_reply(fake_redis):
    task, payload = await enqueue(fake_redis)
    runner = make_runner(fake_redis, ScriptedModel([text_step([f"t{i} " for i in range(200)], delay=0.02)]))
    control = ControlListener(fake_redis, fake_redis, runner, poll_s=0.05)
    real_pipeline, calls = fake_redis.pipeline, []

    def misconf_once(*a, **k):
        calls.append(1)
        if len(calls) == 1:
            raise ResponseError("MISCONF Redis is configured to save RDB snapshots")
        return real_pipeline(*a, **k)

    run = asyncio.create_task(runner.deliver(payload))
    await asyncio.sleep(0.1)
    fake_redis.pipeline = misconf_once
    poller = asyncio.create_task(control.poll_flags())
    await asyncio.sleep(0.2)
    await fake_redis.hset(keys.task(task.task_id), TaskField.CANCEL, "1")
    await asyncio.wait_for(run, 5)
    assert (await events_of(fake_redis, task.task_id))[-1].type == "cancelled" and not poller.done()
    poller.cancel()


async def test_an_exception_in_the_translator_stops_the_sdk_run(fake_redis, monkeypatch):
    model = ScriptedModel([sql_call(), text_step(["never"])])
    task, payload = await enqueue(fake_redis)

    async def broken(self, ev):
        if ev.type == "run_item_stream_event":  # the tool call: model turn 1 is over, turn 2 would follow
            raise ValueError("translator bug")

    monkeypatch.setattr(Translator, "handle", broken)
    await make_runner(fake_redis, model).deliver(payload)
    await asyncio.sleep(0.5)
    assert len(model.calls) == 1
    assert (await events_of(fake_redis, task.task_id))[-1].type == "error"


async def test_run_stops_as_soon_as_someone_else_ends_the_task(fake_redis):
    model = ScriptedModel([text_step([f"t{i} " for i in range(300)], delay=0.02), text_step(["never"])])
    task, payload = await enqueue(fake_redis)
    run = asyncio.create_task(make_runner(fake_redis, model).deliver(payload))
    await first_token(fake_redis, task.task_id)
    await EventLog(fake_redis).append(CancelledEvent(task_id=task.task_id), session_id="s1")
    ended = time.monotonic()
    await asyncio.wait_for(run, 5)
    assert time.monotonic() - ended < 1.5
    evs = await events_of(fake_redis, task.task_id)
    assert evs[-1].type == "cancelled" and len(model.calls) == 1
    assert await fake_redis.llen(keys.processing("w-test")) == 0


class FlakyLog(EventLog):
    """Fails the first `fail` appends: before writing (`ran=False`) or after writing (reply lost)."""

    def __init__(self, redis, fail: int, ran: bool) -> None:
        super().__init__(redis)
        self.fail, self.ran = fail, ran

    async def append(self, event, **kw):
        if self.fail > 0:
            self.fail -= 1
            if self.ran:
                await super().append(event, **kw)
            raise RedisTimeoutError("reply lost")
        return await super().append(event, **kw)


async def test_failed_timed_flush_keeps_the_batch_for_the_next_flush(fake_redis, monkeypatch):
    monkeypatch.setattr(eventsink_module, "EVENT_RETRY_S", 0.05)
    task, _ = await enqueue(fake_redis)
    log = FlakyLog(fake_redis, fail=5, ran=False)
    sink = EventSink(log, RunRecord(task), flush_ms=1)
    sink.token("a")
    await asyncio.sleep(0.3)  # the timed flush gave up
    log.fail = 0
    sink.token("b")
    await sink.flush()
    tokens = [e.content for e in await events_of(fake_redis, task.task_id) if e.type == "token"]
    assert "".join(tokens) == "ab" == sink.record.answer


async def test_retried_append_whose_first_try_ran_writes_the_tokens_once(fake_redis):
    task, _ = await enqueue(fake_redis)
    sink = EventSink(FlakyLog(fake_redis, fail=1, ran=True), RunRecord(task), flush_ms=1000)
    sink.token("once")
    await sink.flush()
    assert [e.content for e in await events_of(fake_redis, task.task_id) if e.type == "token"] == ["once"]


async def test_complete_is_not_written_when_the_last_tokens_cannot_be(fake_redis, monkeypatch):
    monkeypatch.setattr(eventsink_module, "EVENT_RETRY_S", 0.05)
    task, payload = await enqueue(fake_redis)
    runner = make_runner(fake_redis, ScriptedModel([text_step(["a", "b"])]), settings(token_flush_ms=60_000))
    runner.events = FlakyLog(fake_redis, fail=1000, ran=False)
    await runner.deliver(payload)
    assert not any(e.terminal for e in await events_of(fake_redis, task.task_id))
    assert await fake_redis.lrange(keys.TASK_QUEUE, 0, -1) == [payload]


def test_openai_connection_error_caused_by_anyio_is_a_model_error():
    exc = openai.APIConnectionError(request=httpx.Request("POST", "http://model.local/v1"))
    exc.__cause__ = anyio.EndOfStream()
    assert error_code(exc) == "model_error"


def test_anyio_error_outside_mcp_code_is_not_a_tool_error():
    assert error_code(anyio.BrokenResourceError()) == "model_error"


def test_error_from_mcp_code_is_a_tool_error():
    from mcp.shared.exceptions import MCPError

    assert error_code(MCPError(-1, "closed")) == "tool_error"


async def test_promoted_follow_up_is_timed_from_queued_at_not_created_at(fake_redis):
    task, payload = await enqueue(fake_redis)
    await fake_redis.delete(keys.processing("w-test"))
    old = task.model_copy(update={"created_at": time.time() - 600}).model_dump_json().encode()
    await fake_redis.hset(keys.task(task.task_id), mapping={TaskField.CREATED_AT: time.time() - 600})
    await fake_redis.hset(keys.task(task.task_id), TaskField.QUEUED_AT, repr(time.time()))
    await fake_redis.lpush(keys.TASK_QUEUE, old)
    reaper = Reaper(fake_redis, settings(queue_timeout_s=60), TaskQueue(fake_redis, fake_redis, "w"), set())
    assert await reaper.fail_stale_queued() == 0
    await fake_redis.hset(keys.task(task.task_id), TaskField.QUEUED_AT, repr(time.time() - 120))
    assert await reaper.fail_stale_queued() == 1
    assert (await events_of(fake_redis, task.task_id))[-1].code == "no_worker"
