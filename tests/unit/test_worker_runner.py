"""The worker runs one task: fakeredis + agents.testing.ScriptedModel + the real Runner."""

from __future__ import annotations

import asyncio
import json
import time

from agents.testing import ModelStep, ScriptedModel
from agents.usage import Usage as SdkUsage
from worker_kit import enqueue, events_of, first_token, make_runner, settings, sql_call, text_step, types

from agent_service.delivery.control import ControlListener
from contract import ControlCommand, TaskField, TranscriptMessage, keys


async def test_task_streams_tool_result_tokens_then_complete_with_contiguous_seq(fake_redis):
    model = ScriptedModel([sql_call(), text_step(["Ann ", "spent ", "15."])])
    task, _ = await enqueue(fake_redis)
    await make_runner(fake_redis, model).deliver(task.model_dump_json().encode())
    all_evs = await events_of(fake_redis, task.task_id)
    evs = [e for e in all_evs if e.type != "progress"]  # progress: test_worker_progress.py
    assert types(evs)[:3] == ["session", "tool", "tool_result"]
    assert set(types(evs)[3:-1]) == {"token"} and evs[-1].type == "complete"
    assert [e.seq for e in all_evs] == list(range(len(all_evs)))
    tool, result = evs[1], evs[2]
    assert tool.name == "run_sql" and tool.arguments == {"query": "select 1"} and tool.call_id == "c1"
    assert tool.message == "Running SQL query"
    assert result.call_id == "c1" and result.output == [{"customer": "ann", "total": 15}]
    assert "".join(e.content for e in evs if e.type == "token") == evs[-1].response == "Ann spent 15."
    assert evs[-1].tools == ["run_sql"] and evs[-1].session_id == "s1"


async def test_finished_task_leaves_processing_list_and_lock(fake_redis):
    model = ScriptedModel([text_step(["hi"])])
    task, payload = await enqueue(fake_redis)
    await make_runner(fake_redis, model).deliver(payload)
    assert await fake_redis.llen(keys.processing("w-test")) == 0
    assert not await fake_redis.exists(keys.task_lock(task.task_id))
    assert await fake_redis.hget(keys.task(task.task_id), TaskField.STATUS) == "completed"


async def test_token_deltas_are_coalesced_into_batches(fake_redis):
    chunks = [f"w{i} " for i in range(40)]
    model = ScriptedModel([text_step(chunks)])
    task, payload = await enqueue(fake_redis)
    await make_runner(fake_redis, model, settings(token_flush_ms=200)).deliver(payload)
    tokens = [e for e in await events_of(fake_redis, task.task_id) if e.type == "token"]
    assert 1 <= len(tokens) <= 2
    assert "".join(t.content for t in tokens) == "".join(chunks)


async def test_slow_deltas_are_flushed_every_token_flush_ms(fake_redis):
    model = ScriptedModel([text_step(["a", "b", "c", "d"], delay=0.15)])
    task, payload = await enqueue(fake_redis)
    await make_runner(fake_redis, model, settings(token_flush_ms=20)).deliver(payload)
    tokens = [e.content for e in await events_of(fake_redis, task.task_id) if e.type == "token"]
    assert tokens == ["a", "b", "c", "d"]


async def test_complete_carries_usage_and_workflow(fake_redis):
    u1 = SdkUsage(requests=1, input_tokens=10, output_tokens=5, total_tokens=15)
    u2 = SdkUsage(requests=1, input_tokens=20, output_tokens=7, total_tokens=27)
    model = ScriptedModel([sql_call(usage=u1), text_step(["done"], usage=u2)])
    task, payload = await enqueue(fake_redis)
    await make_runner(fake_redis, model).deliver(payload)
    complete = (await events_of(fake_redis, task.task_id))[-1]
    assert complete.usage.model_dump() == {"input_tokens": 30, "output_tokens": 12, "total_tokens": 42}
    assert [(w.step, w.name) for w in complete.workflow] == [(1, "model"), (2, "run_sql"), (3, "model")]
    assert complete.duration_ms >= 0


async def test_model_exception_ends_in_safe_error_event(fake_redis):
    model = ScriptedModel([ModelStep.raise_error(RuntimeError("secret stack detail"))])
    task, payload = await enqueue(fake_redis)
    await make_runner(fake_redis, model).deliver(payload)
    last = (await events_of(fake_redis, task.task_id))[-1]
    assert last.type == "error" and last.code == "model_error"
    assert "secret" not in last.message and "Traceback" not in last.message
    assert await fake_redis.llen(keys.processing("w-test")) == 0


async def test_max_turns_exceeded_ends_in_max_turns_error(fake_redis):
    model = ScriptedModel([sql_call("c1"), sql_call("c2"), sql_call("c3")])
    task, payload = await enqueue(fake_redis)
    await make_runner(fake_redis, model, settings(max_turns=2)).deliver(payload)
    last = (await events_of(fake_redis, task.task_id))[-1]
    assert last.type == "error" and last.code == "max_turns"


async def test_attempts_beyond_max_attempts_end_in_max_attempts_error(fake_redis):
    model = ScriptedModel([])
    task, payload = await enqueue(fake_redis, **{TaskField.ATTEMPTS: 3})
    await make_runner(fake_redis, model, settings(max_attempts=3)).deliver(payload)
    evs = await events_of(fake_redis, task.task_id)
    assert types(evs) == ["session", "error"] and evs[-1].code == "max_attempts"
    assert model.calls == ()


async def test_cancel_flag_at_pickup_ends_cancelled_without_calling_the_model(fake_redis):
    model = ScriptedModel([])
    task, payload = await enqueue(fake_redis, **{TaskField.CANCEL: "1"})
    await make_runner(fake_redis, model).deliver(payload)
    assert types(await events_of(fake_redis, task.task_id)) == ["session", "cancelled"]
    assert model.calls == ()


async def test_control_message_cancels_the_run_within_one_second_and_stops_the_model(fake_redis):
    model = ScriptedModel([text_step([f"t{i} " for i in range(200)], delay=0.05), text_step(["never"])])
    task, payload = await enqueue(fake_redis)
    runner = make_runner(fake_redis, model)
    control = ControlListener(fake_redis, fake_redis, runner, poll_s=30)
    listener = asyncio.create_task(control.listen())
    await asyncio.wait_for(control.subscribed.wait(), 5)
    run = asyncio.create_task(runner.deliver(payload))
    await first_token(fake_redis, task.task_id)
    sent = time.monotonic()
    await fake_redis.publish(
        keys.CONTROL_CHANNEL, ControlCommand(action="cancel", task_id=task.task_id).model_dump_json()
    )
    await asyncio.wait_for(run, 5)
    assert time.monotonic() - sent < 1.0
    evs = await events_of(fake_redis, task.task_id)
    assert evs[-1].type == "cancelled"
    await asyncio.sleep(0.3)
    assert len(model.calls) == 1 and len(await events_of(fake_redis, task.task_id)) == len(evs)
    listener.cancel()


async def test_cancel_flag_set_mid_run_is_polled_as_a_fallback(fake_redis):
    model = ScriptedModel([text_step([f"t{i} " for i in range(200)], delay=0.05)])
    task, payload = await enqueue(fake_redis)
    runner = make_runner(fake_redis, model)
    poller = asyncio.create_task(ControlListener(fake_redis, fake_redis, runner, poll_s=0.2).poll_flags())
    run = asyncio.create_task(runner.deliver(payload))
    await asyncio.sleep(0.3)
    await fake_redis.hset(keys.task(task.task_id), TaskField.CANCEL, "1")
    await asyncio.wait_for(run, 5)
    assert (await events_of(fake_redis, task.task_id))[-1].type == "cancelled"
    poller.cancel()


async def test_task_timeout_cancels_the_run_and_ends_in_timeout_error(fake_redis):
    model = ScriptedModel([text_step([f"t{i} " for i in range(200)], delay=0.05)])
    task, payload = await enqueue(fake_redis)
    started = time.monotonic()
    await make_runner(fake_redis, model, settings(task_timeout_s=1)).deliver(payload)
    assert time.monotonic() - started < 3
    last = (await events_of(fake_redis, task.task_id))[-1]
    assert last.type == "error" and last.code == "timeout"


async def test_transcript_has_user_and_assistant_messages_after_the_turn(fake_redis):
    model = ScriptedModel([sql_call(), text_step(["Ann ", "spent 15."])])
    task, payload = await enqueue(fake_redis, message="who spent most?")
    await make_runner(fake_redis, model).deliver(payload)
    raw = await fake_redis.lrange(keys.session_transcript("s1"), 0, -1)
    user, assistant = (TranscriptMessage.model_validate_json(r) for r in raw)
    assert (user.role, user.text) == ("user", "who spent most?")
    assert (assistant.role, assistant.text, assistant.status) == ("assistant", "Ann spent 15.", "completed")
    assert assistant.tools[0].name == "run_sql" and assistant.tools[0].arguments == {"query": "select 1"}
    assert await fake_redis.hget(keys.session("s1"), "message_count") == "2"
    assert await fake_redis.ttl(keys.session_transcript("s1")) > 0


async def test_follow_up_turn_sees_the_earlier_turn_in_history(fake_redis):
    model = ScriptedModel([text_step(["Hi Ann."]), text_step(["Your name is Ann."])])
    first, p1 = await enqueue(fake_redis, message="I am Ann")
    await make_runner(fake_redis, model).deliver(p1)
    second, p2 = await enqueue(fake_redis, message="what is my name?")
    await make_runner(fake_redis, model).deliver(p2)
    seen = json.dumps(model.last_call.input)
    assert "I am Ann" in seen and "Hi Ann." in seen


async def test_retry_attempt_emits_retry_event_and_does_not_double_history(fake_redis):
    crash = ScriptedModel([sql_call(), ModelStep.raise_error(RuntimeError("crash"))])
    task, payload = await enqueue(fake_redis, message="only once")
    runner = make_runner(fake_redis, crash)
    await runner.conversation.rewind(task)  # what attempt 1 recorded before it ran
    await runner.locks.acquire(task.task_id)
    # attempt 1 "died" after saving [user, call, output]: emulate by running its turn without a terminal
    from agents import Agent, Runner
    from worker_kit import run_sql

    from agent_service.execution.history import model_history

    r = Runner.run_streamed(
        Agent(name="a", model=crash, tools=[run_sql]),
        "only once",
        session=model_history(settings(), fake_redis, "s1"),
    )
    try:
        async for _ in r.stream_events():
            pass
    except RuntimeError:
        pass
    await fake_redis.hset(keys.task(task.task_id), TaskField.ATTEMPTS, 1)
    await runner.locks.release(task.task_id)
    retry_model = ScriptedModel([text_step(["fine"])])
    await make_runner(fake_redis, retry_model).deliver(payload)
    evs = await events_of(fake_redis, task.task_id)
    assert types(evs)[:2] == ["session", "retry"] and evs[1].attempt == 2 and evs[-1].type == "complete"
    user_msgs = [i for i in retry_model.last_call.input if isinstance(i, dict) and i.get("role") == "user"]
    assert len(user_msgs) == 1


async def test_handed_back_run_is_requeued_without_a_terminal_event(fake_redis):
    model = ScriptedModel([text_step([f"t{i} " for i in range(200)], delay=0.05)])
    task, payload = await enqueue(fake_redis)
    runner = make_runner(fake_redis, model)
    run = asyncio.create_task(runner.deliver(payload))
    await asyncio.sleep(0.4)
    runner.stop_all("handback")
    await asyncio.wait_for(run, 5)
    assert "complete" not in types(await events_of(fake_redis, task.task_id))
    assert not any(e.terminal for e in await events_of(fake_redis, task.task_id))
    assert await fake_redis.lrange(keys.TASK_QUEUE, 0, -1) == [payload]
    assert await fake_redis.llen(keys.processing("w-test")) == 0
    assert not await fake_redis.exists(keys.task_lock(task.task_id))


async def test_task_locked_by_a_live_worker_is_not_run_twice(fake_redis):
    model = ScriptedModel([])
    task, payload = await enqueue(fake_redis)
    await fake_redis.set(keys.heartbeat("other"), "{}")
    await fake_redis.set(keys.task_lock(task.task_id), "other", px=10_000)
    await make_runner(fake_redis, model).deliver(payload)
    assert types(await events_of(fake_redis, task.task_id)) == ["session"]
    assert await fake_redis.llen(keys.processing("w-test")) == 0
