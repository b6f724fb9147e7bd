"""The wire contract: pinned key strings, event shapes, and the event log's invariants."""

from __future__ import annotations

import json
import time

import pytest
from agents.extensions.memory import RedisSession

from contract import (
    CancelledEvent,
    ChatTask,
    CompleteEvent,
    DataEvent,
    EventLog,
    ProgressEvent,
    QueryData,
    SessionEvent,
    SessionField,
    TaskField,
    TokenEvent,
    ToolStep,
    TranscriptMessage,
    Turn,
    keys,
    parse_event,
    peek,
)


def test_key_strings_are_pinned():
    s, t = "3fa2b1c4" + "0" * 24, "3fa2b1c4" + "1" * 24
    assert keys.TASK_QUEUE == "agent:tasks"
    assert keys.WORKERS == "agent:{agent:tasks}:workers"
    assert keys.CONTROL_CHANNEL == "agent:control"
    assert keys.REAPER_LOCK == "agent:reaper:lock"
    assert keys.processing("w1") == "agent:{agent:tasks}:processing:w1"
    assert keys.heartbeat("w1") == "agent:{agent:tasks}:worker:w1:heartbeat"
    assert keys.task(t) == f"agent:{{3fa2b1c4}}:task:{t}"
    assert keys.task_events(t) == f"agent:{{3fa2b1c4}}:task:{t}:events"
    assert keys.task_channel(t) == f"agent:task:{t}:live"
    assert keys.task_lock(t) == f"agent:{{3fa2b1c4}}:task:{t}:lock"
    assert keys.task_pause(t) == f"agent:{{3fa2b1c4}}:task:{t}:pause"
    assert keys.APPROVAL_DEADLINES == "agent:approvals:deadlines"
    assert keys.session(s) == f"agent:{{3fa2b1c4}}:session:{s}"
    assert keys.session_transcript(s) == f"agent:{{3fa2b1c4}}:session:{s}:transcript"
    assert keys.session_marks(s) == f"agent:{{3fa2b1c4}}:session:{s}:marks"
    assert keys.session_uploads(s) == f"agent:{{3fa2b1c4}}:session:{s}:uploads"
    assert keys.session_upload_data(s) == f"agent:{{3fa2b1c4}}:session:{s}:uploads:data"
    assert keys.session_queue(s) == f"agent:{{3fa2b1c4}}:session:{s}:queue"
    assert keys.history(s) == f"agent:{{3fa2b1c4}}:history:{s}"
    assert keys.history_messages(s) == f"agent:{{3fa2b1c4}}:history:{s}:messages"
    assert keys.history_counter(s) == f"agent:{{3fa2b1c4}}:history:{s}:counter"
    assert keys.owner_sessions("o1") == "agent:owner:o1:sessions"
    assert keys.owner_streams("o1") == "agent:{agent:tasks}:owner:o1:streams"
    assert keys.owner_thread("o1", "d1") == "agent:owner:o1:thread:d1"
    assert keys.rate_counter("o1", "60/1minute") == "agent:{agent:tasks}:ratelimit:o1:60/1minute"
    assert keys.schema_cache("f1", "tables") == "agent:schema:f1:tables"
    assert keys.SCHEMA_CACHE_STATS == "agent:schema:stats"
    assert keys.session_feedback(s) == f"agent:{{3fa2b1c4}}:session:{s}:feedback"
    assert keys.session_shares(s) == f"agent:{{3fa2b1c4}}:session:{s}:shares"
    assert keys.share("x1") == "agent:share:x1"
    assert keys.owner_shares("o1") == "agent:owner:o1:shares"
    assert keys.FEEDBACK_COUNTS == "agent:feedback:counts"


def test_a_task_id_begins_with_its_sessions_slot_tag():
    session_id = "3fa2b1c4" + "9" * 24
    task_id = keys.task_id_for(session_id)
    assert len(task_id) == 32 and task_id.startswith("3fa2b1c4") and task_id != keys.task_id_for(session_id)
    assert ChatTask(session_id=session_id, owner="o", message="m").task_id.startswith("3fa2b1c4")


def test_every_event_serializes_task_id_seq_type_first():
    raw = TokenEvent(task_id="t", seq=3, content="hi").model_dump_json()
    assert raw == '{"task_id":"t","seq":3,"type":"token","content":"hi"}'
    assert peek(raw.encode()) == (3, "token")


def test_parse_event_dispatches_on_type():
    ev = parse_event('{"task_id":"t","seq":0,"type":"session","session_id":"s"}')
    assert isinstance(ev, SessionEvent) and ev.session_id == "s"


def test_progress_and_data_events_parse_in_the_shapes_the_ui_renders():
    progress = parse_event(
        '{"task_id":"t","seq":1,"type":"progress","stage":"validating","step":3,"total":null,'
        '"elapsed_ms":12,"message":"Checking the SQL"}'
    )
    data = parse_event(
        '{"task_id":"t","seq":2,"type":"data","call_id":"c1","name":"run_query","sql":"SELECT 1",'
        '"columns":["m","n"],"rows":[["2024-01",1]],"row_count":1,"truncated":false,'
        '"chart":{"kind":"line","x":"m","y":["n"]}}'
    )
    assert isinstance(progress, ProgressEvent) and progress.stage == "validating" and progress.total is None
    assert isinstance(data, DataEvent) and data.chart is not None and data.chart.y == ["n"]
    assert json.loads(data.model_dump_json())["chart"] == {"kind": "line", "x": "m", "y": ["n"]}
    assert data.model_dump_json().startswith('{"task_id":"t","seq":2,"type":"data",')
    assert peek(data.model_dump_json().encode()) == (2, "data") and not data.terminal


def test_a_transcript_tool_step_keeps_its_query_data():
    data = QueryData(
        call_id="c1",
        name="run_query",
        sql="SELECT 1",
        columns=["a"],
        rows=[[1]],
        row_count=1,
        truncated=False,
    )
    step = ToolStep(call_id="c1", name="run_query", data=data)
    assert ToolStep.model_validate_json(step.model_dump_json()).data == data
    assert ToolStep(call_id="c2", name="list_tables").data is None


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
    assert await fake_redis.hget(keys.task("t1"), TaskField.STATUS) == "completed"
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
    assert await fake_redis.hget(keys.session("s"), "active_task") == "t2"
    assert json.loads((await fake_redis.lrange(keys.TASK_QUEUE, 0, -1))[0])["task_id"] == "t2"


def test_appending_an_event_with_a_seq_is_refused():
    with pytest.raises(ValueError):
        EventLog.__new__(EventLog)._args(TokenEvent(task_id="t", seq=4, content="x"), None)


def test_history_keys_match_the_sdk_redis_session():
    sdk = RedisSession("s1", redis_client=object(), key_prefix=keys.history_prefix("s1"))
    assert sdk._session_key == keys.history("s1")
    assert sdk._messages_key == keys.history_messages("s1")
    assert sdk._counter_key == keys.history_counter("s1")


def test_task_field_queued_at_is_pinned():
    assert TaskField.QUEUED_AT == "queued_at"


async def test_terminal_event_sets_queued_at_on_the_promoted_task(fake_redis):
    log = EventLog(fake_redis)
    await _new_task(fake_redis)
    await fake_redis.hset(keys.session("s"), "active_task", "t1")
    await fake_redis.hset(keys.task("t2"), mapping={TaskField.STATUS: "queued", TaskField.CREATED_AT: 1.0})
    nxt = ChatTask(task_id="t2", session_id="s", owner="o", message="next", created_at=1.0)
    await fake_redis.rpush(keys.session_queue("s"), nxt.model_dump_json())
    before = time.time()
    await log.append(CompleteEvent(task_id="t1", response="x", session_id="s"), session_id="s")
    queued_at = float(await fake_redis.hget(keys.task("t2"), TaskField.QUEUED_AT))
    assert before - 1 <= queued_at <= time.time() + 1


async def test_promotion_does_not_create_a_hash_for_an_expired_task(fake_redis):
    log = EventLog(fake_redis)
    await _new_task(fake_redis)
    await fake_redis.hset(keys.session("s"), "active_task", "t1")
    nxt = ChatTask(task_id="gone", session_id="s", owner="o", message="next")
    await fake_redis.rpush(keys.session_queue("s"), nxt.model_dump_json())
    await log.append(CompleteEvent(task_id="t1", response="x", session_id="s"), session_id="s")
    assert not await fake_redis.exists(keys.task("gone"))


async def test_repeated_append_with_the_same_token_writes_once_and_reports_its_seq(fake_redis):
    log = EventLog(fake_redis)
    await _new_task(fake_redis)
    first = await log.append(TokenEvent(task_id="t1", content="a"), token="tok-1")
    again = await log.append(TokenEvent(task_id="t1", content="a"), token="tok-1")
    assert first == again and again.ok and again.seq == 0
    assert [e.data for e in await log.read("t1")] == ['{"task_id":"t1","seq":0,"type":"token","content":"a"}']


async def test_appends_without_a_token_are_never_deduplicated(fake_redis):
    log = EventLog(fake_redis)
    await _new_task(fake_redis)
    await log.append(TokenEvent(task_id="t1", content="a"))
    await log.append(TokenEvent(task_id="t1", content="a"))
    assert len(await log.read("t1")) == 2


async def test_repeated_terminal_append_with_the_same_token_reports_ok(fake_redis):
    log = EventLog(fake_redis)
    await _new_task(fake_redis)
    await log.append(TokenEvent(task_id="t1", content="a"))
    done = CompleteEvent(task_id="t1", response="a", session_id="s")
    first = await log.append(done, token="end")
    again = await log.append(done, token="end")
    assert first.ok and again.ok and again.seq == first.seq == 1
    other = await log.append(CompleteEvent(task_id="t1", response="b", session_id="s"), token="other")
    assert not other.ok and other.seq == 1


async def test_append_in_a_transaction_still_appends(fake_redis):
    log = EventLog(fake_redis)
    await _new_task(fake_redis)
    async with fake_redis.pipeline(transaction=True) as pipe:
        await log.append_in(pipe, SessionEvent(task_id="t1", session_id="s"), session_id="s")
        await pipe.execute()
    assert [e.seq for e in await log.read("t1")] == [0]


async def test_every_event_refreshes_the_task_records_live_ttl(fake_redis):
    log = EventLog(fake_redis, live_ttl_s=500)
    await _new_task(fake_redis)
    await fake_redis.expire(keys.task("t1"), 5)
    await log.append(TokenEvent(task_id="t1", content="x"))
    assert await fake_redis.ttl(keys.task("t1")) > 5


def _turn(task_id: str = "t1", owner: str = "o") -> Turn:
    user = TranscriptMessage(role="user", text="q", task_id=task_id, created_at=1.0)
    answer = TranscriptMessage(
        role="assistant", text="a", task_id=task_id, created_at=2.0, status="completed"
    )
    return Turn(user=user, assistant=answer, owner=owner, ttl_s=60)


async def test_terminal_append_records_the_turn_in_the_same_step(real_redis):
    log = EventLog(real_redis)
    await _new_task(real_redis)
    await real_redis.hset(keys.session("s"), mapping={SessionField.MESSAGE_COUNT: 0})
    await real_redis.zadd(keys.owner_sessions("o"), {"s": 0})
    complete = CompleteEvent(task_id="t1", response="a", session_id="s")
    assert (await log.append(complete, session_id="s", turn=_turn())).ok
    transcript = await real_redis.lrange(keys.session_transcript("s"), 0, -1)
    assert [json.loads(m)["text"] for m in transcript] == ["q", "a"]
    assert await real_redis.hget(keys.session("s"), SessionField.MESSAGE_COUNT) == "2"
    assert await real_redis.zscore(keys.owner_sessions("o"), "s") == 2.0


async def test_a_refused_terminal_append_records_no_turn(real_redis):
    log = EventLog(real_redis)
    await _new_task(real_redis)
    await real_redis.hset(keys.session("s"), mapping={SessionField.MESSAGE_COUNT: 0})
    await log.append(CancelledEvent(task_id="t1"), session_id="s")
    complete = CompleteEvent(task_id="t1", response="a", session_id="s")
    assert not (await log.append(complete, session_id="s", turn=_turn())).ok
    assert await real_redis.llen(keys.session_transcript("s")) == 0


async def test_a_deleted_session_gets_no_transcript_from_its_last_turn(real_redis):
    log = EventLog(real_redis)
    await _new_task(real_redis)
    complete = CompleteEvent(task_id="t1", response="a", session_id="s")
    assert (await log.append(complete, session_id="s", turn=_turn())).ok
    assert not await real_redis.exists(keys.session_transcript("s"), keys.session("s"))
