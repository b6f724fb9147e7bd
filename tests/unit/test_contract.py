"""The wire contract: pinned key strings, event shapes, and the event log's invariants."""

from __future__ import annotations

import json

import pytest

from backend.contract import (
    ChatTask,
    CompleteEvent,
    EventLog,
    SessionEvent,
    TaskField,
    TokenEvent,
    keys,
    parse_event,
    peek,
)


def test_key_strings_are_pinned():
    assert keys.TASK_QUEUE == "agent:tasks"
    assert keys.WORKERS == "agent:workers"
    assert keys.CONTROL_CHANNEL == "agent:control"
    assert keys.REAPER_LOCK == "agent:reaper:lock"
    assert keys.RATE_LIMIT_PREFIX == "agent:ratelimit"
    assert keys.processing("w1") == "agent:processing:w1"
    assert keys.heartbeat("w1") == "agent:worker:w1:heartbeat"
    assert keys.task("t1") == "agent:task:t1"
    assert keys.task_events("t1") == "agent:task:t1:events"
    assert keys.task_channel("t1") == "agent:task:t1:live"
    assert keys.task_lock("t1") == "agent:task:t1:lock"
    assert keys.session("s1") == "agent:session:s1"
    assert keys.session_transcript("s1") == "agent:session:s1:transcript"
    assert keys.session_queue("s1") == "agent:session:s1:queue"
    assert keys.history("s1") == "agent:history:s1"
    assert keys.owner_sessions("o1") == "agent:owner:o1:sessions"
    assert keys.owner_streams("o1") == "agent:owner:o1:streams"


def test_every_event_serializes_task_id_seq_type_first():
    raw = TokenEvent(task_id="t", seq=3, content="hi").model_dump_json()
    assert raw == '{"task_id":"t","seq":3,"type":"token","content":"hi"}'
    assert peek(raw) == (3, "token")


def test_parse_event_dispatches_on_type():
    ev = parse_event('{"task_id":"t","seq":0,"type":"session","session_id":"s"}')
    assert isinstance(ev, SessionEvent) and ev.session_id == "s"


def test_chat_task_round_trips():
    task = ChatTask(session_id="s", owner="o", message="hi")
    assert ChatTask.model_validate_json(task.model_dump_json()) == task


async def _new_task(r, tid="t1"):
    await r.hset(keys.task(tid), mapping={TaskField.STATUS: "queued"})


async def test_event_log_assigns_contiguous_seq(fake_redis):
    log = EventLog(fake_redis)
    await _new_task(fake_redis)
    seqs = [(await log.append(TokenEvent(task_id="t1", content=str(i)))).seq for i in range(5)]
    assert seqs == [0, 1, 2, 3, 4]
    assert [e.seq for e in await log.read("t1", after_seq=2)] == [3, 4]


async def test_event_log_refuses_events_after_terminal(fake_redis):
    log = EventLog(fake_redis)
    await _new_task(fake_redis)
    await log.append(CompleteEvent(task_id="t1", response="x", session_id="s"))
    late = await log.append(TokenEvent(task_id="t1", content="late"))
    assert not late.ok and late.seq == 0
    assert len(await log.read("t1")) == 1


async def test_terminal_event_sets_status_and_retention(fake_redis):
    log = EventLog(fake_redis, retention_s=77)
    await _new_task(fake_redis)
    await log.append(CompleteEvent(task_id="t1", response="x", session_id="s"))
    assert await fake_redis.hget(keys.task("t1"), TaskField.STATUS) == b"completed"
    assert 0 < await fake_redis.ttl(keys.task_events("t1")) <= 77


async def test_event_log_refuses_unknown_task(fake_redis):
    log = EventLog(fake_redis)
    assert not (await log.append(TokenEvent(task_id="nope", content="x"))).ok


async def test_terminal_event_promotes_sessions_next_task(fake_redis):
    log = EventLog(fake_redis)
    await _new_task(fake_redis)
    await fake_redis.hset(keys.session("s"), "active_task", "t1")
    nxt = ChatTask(task_id="t2", session_id="s", owner="o", message="next")
    await fake_redis.rpush(keys.session_queue("s"), nxt.model_dump_json())
    await log.append(CompleteEvent(task_id="t1", response="x", session_id="s"), session_id="s")
    assert await fake_redis.hget(keys.session("s"), "active_task") == b"t2"
    assert json.loads((await fake_redis.lrange(keys.TASK_QUEUE, 0, -1))[0])["task_id"] == "t2"


def test_appending_an_event_with_a_seq_is_refused():
    with pytest.raises(ValueError):
        EventLog.__new__(EventLog)._args(TokenEvent(task_id="t", seq=4, content="x"), None)
