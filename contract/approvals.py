"""A run paused for a person's approval: the record both services share, and its four moves.

The worker whose run stops at tool calls that need approval (the SDK's interruptions) saves the run's
state (`RunState.to_string()`) and one `Approval` per call in `keys.task_pause(t)`, the task's status
becomes `awaiting_approval` and the worker lets go of the task: no process holds a paused run, so any
gateway can take the decision and any worker can resume it, after restarts. Four moves, each one Lua
call, so that a decision, an expiry and a cancel racing each other end the pause exactly once:

- `save` (worker): the record, its deadline (Redis TIME + APPROVAL_TTL_S) in keys.APPROVAL_DEADLINES,
  and on the task hash: the status, the pause id (TaskField.PAUSE), `attempts` back to 0 (the resume is
  a first attempt, not a retry) and `history_len` = the model history's length now (a retried resume
  rewinds to it, so the resumed turn's items are never written twice).
- `decide` (gateway): records one decision; the last one re-queues the task as a resume (`ChatTask`
  with `resume` = the pause id; the task hash's payload and `queued_at` follow, so cancel and the queue
  watchdogs work on it as on any queued task). Refused once the pause is closed, past its deadline,
  for an unknown approval id or one already decided.
- `close` (reaper on expiry, gateway on cancel): claims a pause nobody finished deciding, once; the
  model history gets an output for each call that waited (the SDK's `function_call_output` item), so
  the conversation's next turn has no call without an answer. The closer then writes the terminal event
  and `finish`es. Closing again (a closer that died before its terminal event) claims it again; the
  event log refuses a second terminal event.
- `finish` (whoever ended the task): deletes the record and its deadline.
The record expires by itself APPROVAL_TTL_S + KEY_GRACE_S after the pause (TASK_LIVE_TTL_S once it is
resumed), so nothing is left behind by a process that dies at any step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from contract import keys
from contract.tasks import ChatTask, TaskField, TaskStatus

KEY_GRACE_S = 300
"""How long a pause record outlives its deadline (the reaper's sweep closes it before that)."""

EXPIRED_OUTPUT = "The approval request expired before the user decided; nothing was changed."
CANCELLED_OUTPUT = "The run was cancelled before the user decided; nothing was changed."
"""What a waiting call's output says in the model history once its pause is closed (`close`)."""

Outcome = Literal["resumed", "recorded", "unknown", "decided", "expired", "closed"]


class PauseField:
    """Field names of the pause hash `keys.task_pause(task_id)`."""

    PAUSE_ID = "pause_id"
    STATE = "state"  # RunState.to_string()
    RECORD = "record"  # what the paused segment sent the client (text and tool steps), JSON
    PENDING = "pending"  # approvals still undecided
    DEADLINE = "deadline"
    CLOSED = "closed"  # "1" once expired or cancelled
    APPROVAL = "approval:"  # + approval id → Approval JSON
    DECISION = "decision:"  # + approval id → Decision JSON


class Approval(BaseModel):
    approval_id: str
    call_id: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    message: str


class Decision(BaseModel):
    approve: bool
    message: str | None = Field(default=None, max_length=500)
    """Why, for a rejection: the model is told it."""


@dataclass
class Paused:
    pause_id: str
    state: str
    record: dict[str, Any]
    deadline: float
    approvals: list[Approval] = field(default_factory=list)
    decisions: dict[str, Decision] = field(default_factory=dict)


_SAVE = """
local pause, deadlines, task, history = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local task_id, ttl, key_ttl, pause_id, state, record = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local f_id, f_state, f_record, f_pending, f_deadline, f_approval = ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local t_status, awaiting, t_attempts, t_history_len, t_pause = ARGV[13], ARGV[14], ARGV[15], ARGV[16], ARGV[17]
if redis.call('EXISTS', task) == 0 then return -1 end
local deadline = tonumber(redis.call('TIME')[1]) + ttl
redis.call('DEL', pause)
local n = 0
for i = 18, #ARGV, 2 do
  redis.call('HSET', pause, f_approval .. ARGV[i], ARGV[i + 1])
  n = n + 1
end
redis.call('HSET', pause, f_id, pause_id, f_state, state, f_record, record, f_pending, n, f_deadline, deadline)
redis.call('EXPIRE', pause, key_ttl)
redis.call('ZADD', deadlines, deadline, task_id)
redis.call('HSET', task, t_status, awaiting, t_attempts, 0, t_history_len, redis.call('LLEN', history), t_pause, pause_id)
return deadline
"""

_DECIDE = """
local pause, deadlines, task, queue = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local task_id, approval_id, decision, pause_id, payload, live_ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local f_id, f_pending, f_deadline, f_closed, f_approval, f_decision = ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local t_status, queued, t_queued_at, t_payload = ARGV[13], ARGV[14], ARGV[15], ARGV[16]
if redis.call('HGET', pause, f_id) ~= pause_id then return 'unknown' end
if redis.call('HEXISTS', pause, f_approval .. approval_id) == 0 then return 'unknown' end
if redis.call('HEXISTS', pause, f_closed) == 1 then return 'closed' end
if redis.call('HEXISTS', pause, f_decision .. approval_id) == 1 then return 'decided' end
local now = redis.call('TIME')
if tonumber(now[1]) >= tonumber(redis.call('HGET', pause, f_deadline)) then return 'expired' end
redis.call('HSET', pause, f_decision .. approval_id, decision)
if redis.call('HINCRBY', pause, f_pending, -1) > 0 then return 'recorded' end
redis.call('ZREM', deadlines, task_id)
redis.call('EXPIRE', pause, live_ttl)
redis.call('HSET', task, t_status, queued, t_queued_at, now[1] .. '.' .. string.format('%06d', now[2]), t_payload, payload)
redis.call('EXPIRE', task, live_ttl)
redis.call('LPUSH', queue, payload)
return 'resumed'
"""

_CLOSE = """
local pause, deadlines, history = KEYS[1], KEYS[2], KEYS[3]
local task_id, pause_id, expiring, ttl = ARGV[1], ARGV[2], ARGV[3] == '1', tonumber(ARGV[4])
local f_id, f_pending, f_deadline, f_closed = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if redis.call('HGET', pause, f_id) ~= pause_id then
  if redis.call('EXISTS', pause) == 0 then redis.call('ZREM', deadlines, task_id) end
  return 0
end
if tonumber(redis.call('HGET', pause, f_pending)) <= 0 then return 0 end
if expiring and tonumber(redis.call('TIME')[1]) < tonumber(redis.call('HGET', pause, f_deadline)) then return 0 end
if redis.call('HSETNX', pause, f_closed, '1') == 1 and #ARGV > 8 then
  redis.call('RPUSH', history, unpack(ARGV, 9))
  if ttl > 0 then redis.call('EXPIRE', history, ttl) end
end
return 1
"""


class Pauses:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._save = redis.register_script(_SAVE)
        self._decide = redis.register_script(_DECIDE)
        self._close = redis.register_script(_CLOSE)

    async def save(
        self,
        task: ChatTask,
        pause_id: str,
        state: str,
        record: dict[str, Any],
        approvals: list[Approval],
        ttl_s: int,
    ) -> float | None:
        """Pause the task (worker); returns the deadline, None when the task hash is gone."""
        f, t = PauseField, TaskField
        pairs = [v for a in approvals for v in (a.approval_id, a.model_dump_json())]
        deadline = await self._save(
            keys=[
                keys.task_pause(task.task_id),
                keys.APPROVAL_DEADLINES,
                keys.task(task.task_id),
                keys.history_messages(task.session_id),
            ],
            args=[
                task.task_id, ttl_s, ttl_s + KEY_GRACE_S, pause_id, state, json.dumps(record),
                f.PAUSE_ID, f.STATE, f.RECORD, f.PENDING, f.DEADLINE, f.APPROVAL,
                t.STATUS, TaskStatus.AWAITING_APPROVAL.value, t.ATTEMPTS, t.HISTORY_LEN, t.PAUSE,
                *pairs,
            ],
        )  # fmt: skip
        return None if int(deadline) < 0 else float(deadline)

    async def load(self, task_id: str) -> Paused | None:
        raw = await self.redis.hgetall(keys.task_pause(task_id))
        if not raw or PauseField.STATE not in raw:
            return None
        approvals = [
            Approval.model_validate_json(v) for k, v in raw.items() if k.startswith(PauseField.APPROVAL)
        ]
        decisions = {
            k.removeprefix(PauseField.DECISION): Decision.model_validate_json(v)
            for k, v in raw.items()
            if k.startswith(PauseField.DECISION)
        }
        return Paused(
            pause_id=raw[PauseField.PAUSE_ID],
            state=raw[PauseField.STATE],
            record=json.loads(raw.get(PauseField.RECORD) or "{}"),
            deadline=float(raw.get(PauseField.DEADLINE) or 0),
            approvals=approvals,
            decisions=decisions,
        )

    async def decide(
        self, task: ChatTask, pause_id: str, approval_id: str, decision: Decision, live_ttl_s: int
    ) -> Outcome:
        """Record one decision (gateway); the last one re-queues `task` as the resume of `pause_id`."""
        f, t = PauseField, TaskField
        payload = task.model_copy(update={"resume": pause_id}).model_dump_json()
        return await self._decide(
            keys=[keys.task_pause(task.task_id), keys.APPROVAL_DEADLINES, keys.task(task.task_id), keys.TASK_QUEUE],
            args=[
                task.task_id, approval_id, decision.model_dump_json(), pause_id, payload, live_ttl_s,
                f.PAUSE_ID, f.PENDING, f.DEADLINE, f.CLOSED, f.APPROVAL, f.DECISION,
                t.STATUS, TaskStatus.QUEUED.value, t.QUEUED_AT, t.PAYLOAD,
            ],
        )  # fmt: skip

    async def close(
        self, task_id: str, session_id: str, *, expiring: bool, reason: str, history_ttl_s: int = 0
    ) -> bool:
        """Claim a pause nobody finished deciding (`expiring`: only past its deadline); True when the
        caller now owns writing the task's terminal event. `reason` is the output each waiting call
        gets in the model history."""
        paused = await self.load(task_id)
        if paused is None:
            await self.redis.zrem(keys.APPROVAL_DEADLINES, task_id)
            return False
        outputs = [
            json.dumps({"call_id": a.call_id, "output": reason, "type": "function_call_output"})
            for a in paused.approvals
        ]
        f = PauseField
        claimed = await self._close(
            keys=[keys.task_pause(task_id), keys.APPROVAL_DEADLINES, keys.history_messages(session_id)],
            args=[task_id, paused.pause_id, "1" if expiring else "0", history_ttl_s,
                  f.PAUSE_ID, f.PENDING, f.DEADLINE, f.CLOSED, *outputs],
        )  # fmt: skip
        return bool(claimed)

    async def finish(self, task_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.task_pause(task_id))
            pipe.zrem(keys.APPROVAL_DEADLINES, task_id)
            await pipe.execute()

    async def due(self, now: float, count: int = 100) -> list[str]:
        """Paused task ids whose deadline has passed (by the caller's clock; `close` checks Redis's)."""
        return list(await self.redis.zrangebyscore(keys.APPROVAL_DEADLINES, "-inf", now, start=0, num=count))
