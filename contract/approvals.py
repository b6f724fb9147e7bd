"""A run paused for a person's approval: the record both services share, and its four moves.

The worker whose run stops at tool calls that need approval (the SDK's interruptions) saves the run's
state (`RunState.to_string()`) and one `Approval` per call in `keys.task_pause(t)`, the task's status
becomes `awaiting_approval` and the worker lets go of the task: no process holds a paused run, so any
gateway can take the decision and any worker can resume it, after restarts. Four moves, each one Lua
call on the pause record, so that a decision, an expiry and a cancel racing each other end the pause
exactly once:

- `save` (worker): the record with its deadline (Redis TIME + APPROVAL_TTL_S), and on the task hash:
  the status, the pause id (TaskField.PAUSE), `attempts` back to 0 (the resume is a first attempt, not
  a retry) and `history_len` = the model history's length now (a retried resume rewinds to it, so the
  resumed turn's items are never written twice).
- `decide` (gateway): records one decision; the last one makes the task a queued resume (`ChatTask`
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

Why the deadline and the queue are written beside the scripts, not in them: on a Redis Cluster a
script touches one slot. The record, the task hash and the model history are in the session's slot
(contract/keys.py); the deadline ZSET (contract/approvaldeadlines.py) and agent:tasks are not. Each
split step runs right after (or before) its script, in an order where dying between the two is
harmless:
- save adds the deadline first: a worker that dies before its script leaves a deadline whose pause
  does not exist (the reaper drops it when due; the task, still in the worker's processing list, is
  redelivered). The other order could leave a pause nothing ever expires.
- decide pushes the resume onto agent:tasks, then drops the deadline: until it is dropped, the reaper
  still sees the pause when its deadline comes, finds it decided, and pushes the resume itself if the
  task is still `queued` as that resume and not in agent:tasks (`settle`: the deciding gateway died or
  lost Redis before its LPUSH). Such a resume starts at the pause's deadline instead of at once. A
  copy pushed twice (the gateway was only slow) is harmless: pickup's lock, the finished check and
  the pause check drop or bounce the second copy (agent_service/delivery/pickup.py).
- finish deletes the record, then the deadline: a deadline whose pause is gone is dropped when due.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from contract import keys
from contract.approvaldeadlines import Deadlines
from contract.tasks import ChatTask, TaskField, TaskStatus

KEY_GRACE_S = 300
"""How long a pause record outlives its deadline (the reaper's sweep closes it before that)."""

EXPIRED_OUTPUT = "The approval request expired before the user decided; nothing was changed."
CANCELLED_OUTPUT = "The run was cancelled before the user decided; nothing was changed."
"""What a waiting call's output says in the model history once its pause is closed (`close`)."""

Outcome = Literal["resumed", "recorded", "unknown", "decided", "expired", "closed"]
Closing = Literal["claimed", "early", "decided", "gone"]


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
local pause, task, history = KEYS[1], KEYS[2], KEYS[3]
local ttl, key_ttl, pause_id, state, record = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local f_id, f_state, f_record, f_pending, f_deadline, f_approval = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local t_status, awaiting, t_attempts, t_history_len, t_pause = ARGV[12], ARGV[13], ARGV[14], ARGV[15], ARGV[16]
if redis.call('EXISTS', task) == 0 then return -1 end
local deadline = tonumber(redis.call('TIME')[1]) + ttl
redis.call('DEL', pause)
local n = 0
for i = 17, #ARGV, 2 do
  redis.call('HSET', pause, f_approval .. ARGV[i], ARGV[i + 1])
  n = n + 1
end
redis.call('HSET', pause, f_id, pause_id, f_state, state, f_record, record, f_pending, n, f_deadline, deadline)
redis.call('EXPIRE', pause, key_ttl)
redis.call('HSET', task, t_status, awaiting, t_attempts, 0, t_history_len, redis.call('LLEN', history), t_pause, pause_id)
return deadline
"""

_DECIDE = """
local pause, task = KEYS[1], KEYS[2]
local approval_id, decision, pause_id, payload, live_ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local f_id, f_pending, f_deadline, f_closed, f_approval, f_decision = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local t_status, queued, t_queued_at, t_payload = ARGV[12], ARGV[13], ARGV[14], ARGV[15]
if redis.call('HGET', pause, f_id) ~= pause_id then return 'unknown' end
if redis.call('HEXISTS', pause, f_approval .. approval_id) == 0 then return 'unknown' end
if redis.call('HEXISTS', pause, f_closed) == 1 then return 'closed' end
if redis.call('HEXISTS', pause, f_decision .. approval_id) == 1 then return 'decided' end
local now = redis.call('TIME')
if tonumber(now[1]) >= tonumber(redis.call('HGET', pause, f_deadline)) then return 'expired' end
redis.call('HSET', pause, f_decision .. approval_id, decision)
if redis.call('HINCRBY', pause, f_pending, -1) > 0 then return 'recorded' end
redis.call('EXPIRE', pause, live_ttl)
redis.call('HSET', task, t_status, queued, t_queued_at, now[1] .. '.' .. string.format('%06d', now[2]), t_payload, payload)
redis.call('EXPIRE', task, live_ttl)
return 'resumed'
"""

_CLOSE = """
local pause, history = KEYS[1], KEYS[2]
local pause_id, expiring, ttl = ARGV[1], ARGV[2] == '1', tonumber(ARGV[3])
local f_id, f_pending, f_deadline, f_closed = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if redis.call('HGET', pause, f_id) ~= pause_id then return 'gone' end
if tonumber(redis.call('HGET', pause, f_pending)) <= 0 then return 'decided' end
if expiring and tonumber(redis.call('TIME')[1]) < tonumber(redis.call('HGET', pause, f_deadline)) then
  return 'early'
end
if redis.call('HSETNX', pause, f_closed, '1') == 1 and #ARGV > 7 then
  redis.call('RPUSH', history, unpack(ARGV, 8))
  if ttl > 0 then redis.call('EXPIRE', history, ttl) end
end
return 'claimed'
"""


class Pauses:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.deadlines = Deadlines(redis)
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
        await self.deadlines.add(task.task_id, pause_id, time.time() + ttl_s)  # first: see the docstring
        deadline = await self._save(
            keys=[keys.task_pause(task.task_id), keys.task(task.task_id), keys.history_messages(task.session_id)],
            args=[
                ttl_s, ttl_s + KEY_GRACE_S, pause_id, state, json.dumps(record),
                f.PAUSE_ID, f.STATE, f.RECORD, f.PENDING, f.DEADLINE, f.APPROVAL,
                t.STATUS, TaskStatus.AWAITING_APPROVAL.value, t.ATTEMPTS, t.HISTORY_LEN, t.PAUSE,
                *pairs,
            ],
        )  # fmt: skip
        if int(deadline) < 0:
            await self.deadlines.drop(task.task_id, pause_id)
            return None
        return float(deadline)

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
        outcome = await self._decide(
            keys=[keys.task_pause(task.task_id), keys.task(task.task_id)],
            args=[
                approval_id, decision.model_dump_json(), pause_id, payload, live_ttl_s,
                f.PAUSE_ID, f.PENDING, f.DEADLINE, f.CLOSED, f.APPROVAL, f.DECISION,
                t.STATUS, TaskStatus.QUEUED.value, t.QUEUED_AT, t.PAYLOAD,
            ],
        )  # fmt: skip
        if outcome == "resumed":  # the push, then the deadline: see the docstring
            await self.redis.lpush(keys.TASK_QUEUE, payload)
            await self.deadlines.drop(task.task_id, pause_id)
        return outcome

    async def close(
        self,
        task_id: str,
        session_id: str,
        pause_id: str,
        *,
        expiring: bool,
        reason: str,
        history_ttl_s: int = 0,
    ) -> Closing:
        """Claim the pause `pause_id` while nobody finished deciding it (`expiring`: only past its
        deadline). "claimed": the caller now owns writing the task's terminal event; "early": not past
        its deadline; "decided": every approval is decided (the task was queued as its resume);
        "gone": that pause no longer exists. `reason` is the output each waiting call gets."""
        paused = await self.load(task_id)
        if paused is None or paused.pause_id != pause_id:
            return "gone"
        outputs = [
            json.dumps({"call_id": a.call_id, "output": reason, "type": "function_call_output"})
            for a in paused.approvals
        ]
        f = PauseField
        return await self._close(
            keys=[keys.task_pause(task_id), keys.history_messages(session_id)],
            args=[pause_id, "1" if expiring else "0", history_ttl_s,
                  f.PAUSE_ID, f.PENDING, f.DEADLINE, f.CLOSED, *outputs],
        )  # fmt: skip

    async def settle(self, task_id: str, pause_id: str) -> bool:
        """A due deadline of a pause that is not closable (reaper): if the task is still queued as the
        resume of `pause_id` but in no list (its decider died before the LPUSH), push it now; then drop
        the deadline. True when it pushed."""
        status, pause, payload = await self.redis.hmget(
            keys.task(task_id), [TaskField.STATUS, TaskField.PAUSE, TaskField.PAYLOAD]
        )
        lost = status == TaskStatus.QUEUED.value and pause == pause_id and bool(payload)
        if lost and await self.redis.lpos(keys.TASK_QUEUE, payload) is None:
            # queued from now: the queue watchdogs must not fail it for the time it spent in no list
            await self.redis.hset(keys.task(task_id), TaskField.QUEUED_AT, repr(time.time()))
            await self.redis.lpush(keys.TASK_QUEUE, payload)
        else:
            lost = False
        await self.deadlines.drop(task_id, pause_id)
        return lost

    async def finish(self, task_id: str, pause_id: str) -> None:
        """The task ended: the record, then its deadline (see the docstring)."""
        await self.redis.delete(keys.task_pause(task_id))
        await self.deadlines.drop(task_id, pause_id)
