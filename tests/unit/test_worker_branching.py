"""Regenerate / edit on the worker side, on a real redis-server with the real Runner: a task that
replaces a turn cuts the model history back to where that turn started, and its transcript turn takes
the replaced turn's place with the old answer kept as an earlier version."""

from __future__ import annotations

import json

from agents.testing import ScriptedModel
from worker_kit import enqueue, make_runner, text_step

from contract import TranscriptMessage, keys


async def transcript(redis, session_id: str = "s1") -> list[TranscriptMessage]:
    raw = await redis.lrange(keys.session_transcript(session_id), 0, -1)
    return [TranscriptMessage.model_validate_json(item) for item in raw]


async def run_turn(redis, model, message: str, replaces: str = ""):
    task, payload = await enqueue(redis, message=message, replaces=replaces)
    await make_runner(redis, model).deliver(payload)
    return task


async def test_edit_cuts_the_model_history_at_the_edited_question(real_redis):
    model = ScriptedModel([text_step([f"answer {i}"]) for i in range(4)])
    await run_turn(real_redis, model, "I am Ann")
    second = await run_turn(real_redis, model, "I live in Oslo")
    await run_turn(real_redis, model, "I like tea")
    await run_turn(real_redis, model, "I live in Rome", replaces=second.task_id)
    seen = json.dumps(model.last_call.input)
    assert "I am Ann" in seen and "I live in Rome" in seen
    assert "Oslo" not in seen and "tea" not in seen
    items = [json.loads(i) for i in await real_redis.lrange(keys.history_messages("s1"), 0, -1)]
    users = [i["content"] for i in items if i.get("role") == "user"]
    assert users == ["I am Ann", "I live in Rome"]


async def test_edit_replaces_the_turn_and_keeps_the_old_answer_as_a_version(real_redis):
    model = ScriptedModel([text_step([f"answer {i}"]) for i in range(3)])
    first = await run_turn(real_redis, model, "first question")
    await run_turn(real_redis, model, "second question")
    edited = await run_turn(real_redis, model, "first, edited", replaces=first.task_id)
    messages = await transcript(real_redis)
    assert [(m.role, m.text) for m in messages] == [("user", "first, edited"), ("assistant", "answer 2")]
    assert messages[1].task_id == edited.task_id
    [old] = messages[1].versions
    assert (old.question, old.answer.text, old.answer.task_id) == (
        "first question",
        "answer 0",
        first.task_id,
    )
    count = await real_redis.hget(keys.session("s1"), "message_count")
    assert int(count) == 2


async def test_regenerating_twice_keeps_both_earlier_answers_oldest_first(real_redis):
    model = ScriptedModel([text_step([f"answer {i}"]) for i in range(3)])
    first = await run_turn(real_redis, model, "question")
    again = await run_turn(real_redis, model, "question", replaces=first.task_id)
    await run_turn(real_redis, model, "question", replaces=again.task_id)
    messages = await transcript(real_redis)
    assert [m.text for m in messages] == ["question", "answer 2"]
    assert [v.answer.text for v in messages[1].versions] == ["answer 0", "answer 1"]
    assert all(v.question == "question" and not v.answer.versions for v in messages[1].versions)
    seen = json.dumps(model.last_call.input)
    assert seen.count("question") == 1 and "answer 0" not in seen and "answer 1" not in seen


async def test_an_edit_keeps_the_turns_after_it_under_the_replaced_version_not_in_the_history(real_redis):
    model = ScriptedModel([text_step([f"answer {i}"]) for i in range(4)])
    first = await run_turn(real_redis, model, "first question")
    await run_turn(real_redis, model, "second question")
    await run_turn(real_redis, model, "third question")
    await run_turn(real_redis, model, "first, edited", replaces=first.task_id)
    messages = await transcript(real_redis)
    assert [m.text for m in messages] == ["first, edited", "answer 3"]
    [old] = messages[1].versions
    assert [m.text for m in old.tail] == ["second question", "answer 1", "third question", "answer 2"]
    items = [json.loads(i) for i in await real_redis.lrange(keys.history_messages("s1"), 0, -1)]
    assert "second" not in json.dumps(items) and "answer 1" not in json.dumps(items)
