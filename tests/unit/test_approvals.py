"""The paused-run record (contract/approvals.py) on a real redis-server: a decision, an expiry and a
cancel each end a pause once, whichever comes first; the steps beside the scripts (the deadline, the
resume's push) leave nothing a crash between them cannot recover."""

from __future__ import annotations

import asyncio
import json

from contract import ChatTask, TaskField, TaskRecord, keys
from contract.approvaldeadlines import member
from contract.approvals import Approval, Decision, Pauses

TTL = 60


def _approval(n: int) -> Approval:
    return Approval(approval_id=f"{n:032x}", call_id=f"call_{n}", tool="add_task", message="Add?")


async def _paused(redis, n_approvals: int = 1, ttl_s: int = TTL) -> tuple[Pauses, ChatTask]:
    task = ChatTask(session_id="s1", owner="user:a", message="add a task x", agent="tasks")
    await redis.hset(keys.task(task.task_id), mapping={TaskField.STATUS: "running", TaskField.ATTEMPTS: 2})
    await redis.rpush(keys.history_messages("s1"), '{"role":"user"}', '{"type":"function_call"}')
    pauses = Pauses(redis)
    approvals = [_approval(i) for i in range(n_approvals)]
    assert await pauses.save(task, "p1", "{state}", {"text": []}, approvals, ttl_s) is not None
    return pauses, task


async def test_a_saved_pause_marks_the_task_paused_with_a_fresh_first_attempt(real_redis):
    _, task = await _paused(real_redis)
    record = TaskRecord.parse(await real_redis.hgetall(keys.task(task.task_id)))
    assert (record.status, record.attempts, record.pause) == ("awaiting_approval", 0, "p1")
    assert await real_redis.hget(keys.task(task.task_id), TaskField.HISTORY_LEN) == "2"
    assert await real_redis.zscore(keys.APPROVAL_DEADLINES, member(task.task_id, "p1")) is not None


async def test_the_last_decision_queues_the_resume_and_a_second_one_is_refused(real_redis):
    pauses, task = await _paused(real_redis, n_approvals=2)
    yes = Decision(approve=True)
    assert await pauses.decide(task, "p1", _approval(0).approval_id, yes, TTL) == "recorded"
    assert await real_redis.llen(keys.TASK_QUEUE) == 0
    assert await pauses.decide(task, "p1", _approval(1).approval_id, yes, TTL) == "resumed"
    assert await pauses.decide(task, "p1", _approval(1).approval_id, yes, TTL) == "decided"
    queued = ChatTask.model_validate_json(await real_redis.lindex(keys.TASK_QUEUE, 0))
    record = TaskRecord.parse(await real_redis.hgetall(keys.task(task.task_id)))
    assert queued.resume == "p1" and record.payload == queued.model_dump_json()
    assert record.status == "queued" and record.queued_at
    assert await real_redis.zscore(keys.APPROVAL_DEADLINES, member(task.task_id, "p1")) is None


async def test_an_unknown_approval_or_pause_is_unknown(real_redis):
    pauses, task = await _paused(real_redis)
    assert await pauses.decide(task, "p1", "f" * 32, Decision(approve=True), TTL) == "unknown"
    assert await pauses.decide(task, "p0", _approval(0).approval_id, Decision(approve=True), TTL) == "unknown"


async def test_a_decision_after_the_deadline_is_refused(real_redis):
    pauses, task = await _paused(real_redis, ttl_s=1)
    await asyncio.sleep(1.1)
    assert await pauses.decide(task, "p1", _approval(0).approval_id, Decision(approve=True), TTL) == "expired"


async def test_a_closed_pause_refuses_decisions_and_answers_its_calls_in_the_history_once(real_redis):
    pauses, task = await _paused(real_redis)
    assert await pauses.close(task.task_id, "s1", "p1", expiring=False, reason="cancelled") == "claimed"
    assert await pauses.close(task.task_id, "s1", "p1", expiring=False, reason="cancelled") == "claimed"
    assert await pauses.decide(task, "p1", _approval(0).approval_id, Decision(approve=True), TTL) == "closed"
    history = [json.loads(i) for i in await real_redis.lrange(keys.history_messages("s1"), 0, -1)]
    assert history[-1] == {"call_id": "call_0", "output": "cancelled", "type": "function_call_output"}
    assert len(history) == 3


async def test_expiry_waits_for_the_deadline_and_loses_to_a_decision(real_redis):
    pauses, task = await _paused(real_redis)
    assert await pauses.close(task.task_id, "s1", "p1", expiring=True, reason="expired") == "early"
    assert await pauses.decide(task, "p1", _approval(0).approval_id, Decision(approve=True), TTL) == "resumed"
    assert await pauses.close(task.task_id, "s1", "p1", expiring=False, reason="cancelled") == "decided"
    assert await pauses.close(task.task_id, "s1", "p0", expiring=False, reason="cancelled") == "gone"


async def test_finish_removes_the_record_and_its_deadline(real_redis):
    pauses, task = await _paused(real_redis)
    await pauses.finish(task.task_id, "p1")
    assert await pauses.load(task.task_id) is None
    assert await pauses.deadlines.due(now=1e12) == []


async def test_a_pause_saved_for_a_task_that_is_gone_leaves_no_deadline(real_redis):
    task = ChatTask(session_id="s1", owner="user:a", message="add a task x", agent="tasks")
    pauses = Pauses(real_redis)
    assert await pauses.save(task, "p1", "{state}", {}, [_approval(0)], TTL) is None
    assert await pauses.deadlines.due(now=1e12) == []


async def test_a_second_pause_keeps_its_deadline_when_the_first_ones_is_dropped(real_redis):
    pauses, task = await _paused(real_redis)
    await pauses.save(task, "p2", "{state}", {}, [_approval(1)], TTL)  # the resumed run paused again
    await pauses.deadlines.drop(task.task_id, "p1")  # the first decision's gateway, late
    assert await pauses.deadlines.due(now=1e12) == [(task.task_id, "p2")]


async def test_settle_pushes_a_decided_resume_whose_push_was_lost_once(real_redis):
    pauses, task = await _paused(real_redis)
    assert await pauses.decide(task, "p1", _approval(0).approval_id, Decision(approve=True), TTL) == "resumed"
    resume = await real_redis.lpop(keys.TASK_QUEUE)  # as if the gateway died before its LPUSH
    await pauses.deadlines.add(task.task_id, "p1", 0)  # ... and so before dropping the deadline
    assert await pauses.settle(task.task_id, "p1")
    assert await real_redis.lrange(keys.TASK_QUEUE, 0, -1) == [resume]
    assert await pauses.deadlines.due(now=1e12) == []
    await pauses.deadlines.add(task.task_id, "p1", 0)
    assert not await pauses.settle(task.task_id, "p1")  # it is in agent:tasks: not pushed twice
    assert await real_redis.llen(keys.TASK_QUEUE) == 1


async def test_settle_pushes_nothing_for_a_pause_still_waiting_or_a_resume_that_runs(real_redis):
    pauses, task = await _paused(real_redis)
    assert not await pauses.settle(task.task_id, "p1")  # awaiting approval
    await real_redis.hset(keys.task(task.task_id), mapping={TaskField.STATUS: "running"})
    assert not await pauses.settle(task.task_id, "p1")
    assert await real_redis.llen(keys.TASK_QUEUE) == 0
