"""The run's record: what one run sent, and the complete event and transcript turn built from it."""

from __future__ import annotations

from agents.usage import Usage as SdkUsage
from worker_kit import enqueue

from agent_service.execution.eventsink import EventSink
from agent_service.execution.record import RunRecord
from contract import CancelledEvent, ChatTask, EventLog, ToolStep, TranscriptMessage, TurnVersion, keys


def task() -> ChatTask:
    return ChatTask(session_id="s1", owner="o1", message="totals?", request_id="r1")


def step(name: str, call_id: str) -> ToolStep:
    return ToolStep(call_id=call_id, name=name, message="Running SQL query")


def test_complete_carries_the_text_sent_the_workflow_the_tools_and_the_usage():
    record = RunRecord(task())
    record.text += ["Ann ", "spent 15."]
    record.add_step(step("run_sql", "c1"))
    record.add_workflow("model", 5)
    record.add_workflow("run_sql", 3)
    event = record.complete(SdkUsage(input_tokens=10, output_tokens=4, total_tokens=14))
    assert (event.task_id, event.session_id, event.response) == (record.task.task_id, "s1", "Ann spent 15.")
    assert [(w.step, w.name, w.duration_ms) for w in event.workflow] == [(1, "model", 5), (2, "run_sql", 3)]
    assert event.tools == ["run_sql"]
    assert (event.usage.input_tokens, event.usage.output_tokens, event.usage.total_tokens) == (10, 4, 14)
    assert event.duration_ms >= 0


def test_a_tool_called_twice_is_two_steps_and_one_tool():
    record = RunRecord(task())
    record.add_step(step("run_sql", "c1"))
    record.add_step(step("list_tables", "c2"))
    record.add_step(step("run_sql", "c3"))
    assert [s.call_id for s in record.steps] == ["c1", "c2", "c3"]
    assert record.tools == ["run_sql", "list_tables"]


def test_the_turn_holds_the_question_and_the_answer_as_it_was_sent():
    record = RunRecord(task())
    record.text += ["Ann ", "spent 15."]
    record.add_step(step("run_sql", "c1"))
    older = TranscriptMessage(role="assistant", text="old", task_id="t0", created_at=1.0)
    versions = [TurnVersion(question="totals?", answer=older)]
    turn = record.turn("completed", 4, versions, 3600)
    assert (turn.user.role, turn.user.text, turn.user.task_id) == ("user", "totals?", record.task.task_id)
    assert turn.user.created_at == record.task.created_at
    assert (turn.assistant.text, turn.assistant.status) == ("Ann spent 15.", "completed")
    assert turn.assistant.tools == record.steps and turn.assistant.versions == versions
    assert (turn.owner, turn.ttl_s, turn.cut) == ("o1", 3600, 4)


def test_a_run_ended_before_its_agent_started_has_an_empty_turn():
    turn = RunRecord(task()).turn("cancelled", -1, [], 60)
    assert (turn.assistant.text, turn.assistant.tools, turn.assistant.status) == ("", [], "cancelled")


async def test_the_sink_adds_a_token_batch_only_once_its_append_succeeded(fake_redis):
    chat, _ = await enqueue(fake_redis)
    record = RunRecord(chat)
    sink = EventSink(EventLog(fake_redis), record, flush_ms=1000)
    sink.token("Ann ")
    sink.token("spent")
    assert record.text == []
    await sink.flush()
    assert record.text == ["Ann spent"]


async def test_the_transcript_answer_includes_the_tokens_flushed_by_the_terminal_append(fake_redis):
    chat, _ = await enqueue(fake_redis)
    record = RunRecord(chat)
    sink = EventSink(EventLog(fake_redis), record, flush_ms=1000)
    sink.token("partial")
    await sink.terminal(CancelledEvent(task_id=chat.task_id), lambda: record.turn("cancelled", -1, [], 60))
    answer = TranscriptMessage.model_validate_json(await fake_redis.lindex(keys.session_transcript("s1"), -1))
    assert (answer.text, answer.status) == ("partial", "cancelled")


def test_complete_includes_the_text_the_terminal_append_sends_first():
    record = RunRecord(task())
    assert record.complete(SdkUsage(), unstreamed="15 orders.").response == "15 orders."
