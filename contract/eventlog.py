"""The task event log: the one way anything appends or reads a task's events.

Why a Lua script: every writer (the gateway writes `session` at enqueue and `cancelled` for a task
no worker holds yet; the worker writes the run; whoever detects a dead or late task writes its
terminal error) must agree on three invariants, atomically, or clients see gaps and double endings:
  1. seq is assigned by Redis as last+1, so it is contiguous whoever writes;
  2. nothing is appended after a terminal event (a late worker cannot "complete" a cancelled task);
  3. a terminal event also sets the task's final status and TTLs, frees the session's active-run slot
     and promotes the session's next queued task ("multitask": "enqueue"): it becomes the active run
     and leaves the session queue, and `append` LPUSHes it onto agent:tasks right after the script;
  4. a terminal event that carries the turn (the worker's) appends it to the session's transcript in
     the same step, once per task (task field `transcribed`), unless the session was deleted: a client
     that saw `complete` and reloads the conversation at once finds the answer there. A regenerate /
     edit turn (`Turn.cut`) first trims the transcript at the replaced question; nothing trimmed is
     lost, the turn's answer carries it as an earlier version (contract/transcript.py's `branch`).
Each event is XADDed to `keys.task_events` with entry id "{seq}-1" (so a cursor is just the seq) and
PUBLISHed on `keys.task_channel` (live delivery; pub/sub is lossy, the stream is the truth).
Events must be serialized with seq=-1: the script splices the real seq into the JSON prefix
`{"task_id":"…","seq":` that pydantic always emits first (pinned by tests).

Why an idempotency token per append (entry field `k`): a writer cannot tell whether a timed-out or
disconnected append ran (the worker retries after TimeoutError; redis-py re-sends EVALSHA after a
ConnectionError that can arrive after the script ran). A retry passes the same token; when the log's
last entry carries it, the script answers {1, its seq} without writing, so a retry neither duplicates
tokens (concatenated tokens must equal complete.response) nor turns an already-written terminal into
ok=False. Only the last entry is compared: a writer retries an append before it appends anything else.

Why the promoted task's LPUSH onto agent:tasks and the owner index's ZADD XX (the session moves up
the owner's list) follow the script instead of running inside it: on a Redis Cluster a script only
touches keys of one slot, and every key here is in the session's slot (contract/keys.py) while
agent:tasks and the owner index are not. The promoted payload is kept in the terminal entry (field
`p`), so a retried append (same token) is answered with it and pushes it after all; a writer killed
between the script and the LPUSH leaves the follow-up active but in no list until its task TTL
(TASK_LIVE_TTL_S). The ZADD XX is repeatable and never re-adds a deleted session.

Why promotion sets `queued_at` (TaskField.QUEUED_AT) on the promoted task: its age in agent:tasks must
be measured from when it entered the queue, not from ChatTask.created_at (it may have waited minutes
behind the session's active run). The task hash key is built from `keys.task_key_shape()` passed as
ARGV so the key layout stays defined once, in keys.py; every task and session hash field the script touches is
passed as ARGV too (TaskField, SessionField), so no field name is spelled inside the script.

Replies are read as `str`: both services' command clients decode them (backend/connections.py,
agent_service/redis_clients.py). `peek` takes bytes: it reads published events, which reach the
gateway's relay undecoded and are forwarded to clients as they came.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

from contract import keys
from contract.events import TERMINAL_TYPES, ErrorEvent, _Event
from contract.transcript import Turn

DEFAULT_MAXLEN = 100_000

_APPEND = """
local stream, task, sess, squeue, transcript = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local task_id, rest, terminal, status = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local live_ttl, retention, maxlen = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local token, task_head, tag_chars, task_mid, queued_field = ARGV[8], ARGV[9], tonumber(ARGV[10]), ARGV[11], ARGV[12]
local turn_user, turn_answer, turn_ttl, turn_at = ARGV[13], ARGV[14], ARGV[15], ARGV[16]
local transcribed_field, count_field, updated_field = ARGV[17], ARGV[18], ARGV[19]
local turn_cut = tonumber(ARGV[20])
local status_field, finished_field, active_field, channel = ARGV[21], ARGV[22], ARGV[23], ARGV[24]
if redis.call('EXISTS', task) == 0 then return {-2, -1, ''} end
local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
local seq = 0
if #last > 0 then
  local fields = last[1][2]
  local last_seq = tonumber(string.match(last[1][1], '^(%d+)'))
  local ended, same, promoted = false, false, ''
  for i = 1, #fields, 2 do
    if fields[i] == 't' and fields[i + 1] == '1' then ended = true end
    if fields[i] == 'k' and fields[i + 1] == token then same = true end
    if fields[i] == 'p' then promoted = fields[i + 1] end
  end
  if same then return {1, last_seq, promoted} end
  if ended then return {0, last_seq, ''} end
  seq = last_seq + 1
end
local body = '{"task_id":"' .. task_id .. '","seq":' .. seq .. ',' .. rest
local nxt = ''
if terminal == '1' then
  local now = redis.call('TIME')
  local stamp = now[1] .. '.' .. string.format('%06d', now[2])
  redis.call('HSET', task, status_field, status, finished_field, stamp)
  if turn_user ~= '' and sess and redis.call('EXISTS', sess) == 1
      and redis.call('HSETNX', task, transcribed_field, '1') == 1 then
    if turn_cut == 0 then
      redis.call('DEL', transcript)
    elseif turn_cut > 0 then
      redis.call('LTRIM', transcript, 0, turn_cut - 1)
    end
    redis.call('RPUSH', transcript, turn_user, turn_answer)
    redis.call('EXPIRE', transcript, turn_ttl)
    if turn_cut >= 0 then
      redis.call('HSET', sess, count_field, redis.call('LLEN', transcript))
    else
      redis.call('HINCRBY', sess, count_field, 2)
    end
    redis.call('HSET', sess, updated_field, turn_at)
  end
  if sess and redis.call('HGET', sess, active_field) == task_id then
    nxt = redis.call('LPOP', squeue) or ''
    if nxt ~= '' then
      local nxt_id = cjson.decode(nxt)['task_id']
      redis.call('HSET', sess, active_field, nxt_id)
      local nxt_task = task_head .. string.sub(nxt_id, 1, tag_chars) .. task_mid .. nxt_id
      if redis.call('EXISTS', nxt_task) == 1 then redis.call('HSET', nxt_task, queued_field, stamp) end
    else
      redis.call('HDEL', sess, active_field)
    end
  end
end
if nxt ~= '' then
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, seq .. '-1', 'e', body, 't', terminal, 'k', token, 'p', nxt)
else
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, seq .. '-1', 'e', body, 't', terminal, 'k', token)
end
redis.call('PUBLISH', channel, body)
local ttl = live_ttl
if terminal == '1' then ttl = retention end
redis.call('EXPIRE', stream, ttl)
redis.call('EXPIRE', task, ttl)
return {1, seq, nxt}
"""

_PREFIX_RE = re.compile(rb'^\{"task_id":"[^"]*","seq":(-?\d+),"type":"([a-z_]+)"')


@dataclass(frozen=True)
class Appended:
    ok: bool
    """False when the log already ended (seq is then the terminal event's) or the task is unknown."""
    seq: int


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    data: str
    """The event JSON exactly as stored and published."""
    terminal: bool


def peek(raw: bytes) -> tuple[int, str]:
    """(seq, type) of a published event, as the relay receives it, without parsing the whole JSON."""
    m = _PREFIX_RE.match(raw)
    if not m:
        raise ValueError("not an event-log entry")
    return int(m.group(1)), m.group(2).decode()


def _split(event: _Event) -> str:
    raw = event.model_dump_json()
    prefix = '{"task_id":' + json.dumps(event.task_id) + ',"seq":-1,'
    if event.seq != -1 or not raw.startswith(prefix):
        raise ValueError("events are appended with seq=-1; the log assigns it")
    return raw[len(prefix) :]


class EventLog:
    """Append/read a task's events. One instance per Redis client; cheap to create."""

    def __init__(
        self,
        redis: Redis,
        *,
        live_ttl_s: int = 3600,
        retention_s: int = 600,
        maxlen: int = DEFAULT_MAXLEN,
    ) -> None:
        self.redis = redis
        self.live_ttl_s = live_ttl_s
        self.retention_s = retention_s
        self.maxlen = maxlen
        self._script = redis.register_script(_APPEND)

    def _args(
        self, event: _Event, session_id: str | None, token: str | None = None, turn: Turn | None = None
    ) -> tuple[list[str], list[str]]:
        from contract.tasks import STATUS_FOR_TERMINAL, SessionField, TaskField

        terminal = event.type in TERMINAL_TYPES  # type: ignore[attr-defined]
        status = STATUS_FOR_TERMINAL[event.type].value if terminal else ""  # type: ignore[attr-defined]
        tid = event.task_id
        keys_ = [keys.task_events(tid), keys.task(tid)]
        if session_id:
            keys_ += [
                keys.session(session_id),
                keys.session_queue(session_id),
                keys.session_transcript(session_id),
            ]
        recorded = turn is not None and terminal and session_id is not None
        task_head, tag_chars, task_mid = keys.task_key_shape()
        args = [
            tid,
            _split(event),
            "1" if terminal else "0",
            status,
            str(self.live_ttl_s),
            str(self.retention_s),
            str(self.maxlen),
            token or uuid.uuid4().hex,
            task_head,
            str(tag_chars),
            task_mid,
            TaskField.QUEUED_AT,
            turn.user.model_dump_json() if recorded else "",
            turn.assistant.model_dump_json() if recorded else "",
            str(turn.ttl_s) if recorded else "0",
            repr(turn.assistant.created_at) if recorded else "0",
            TaskField.TRANSCRIBED,
            SessionField.MESSAGE_COUNT,
            SessionField.UPDATED_AT,
            str(turn.cut) if recorded else "-1",
            TaskField.STATUS,
            TaskField.FINISHED_AT,
            SessionField.ACTIVE_TASK,
            keys.task_channel(tid),
        ]
        return keys_, args

    async def append(
        self,
        event: _Event,
        *,
        session_id: str | None = None,
        token: str | None = None,
        turn: Turn | None = None,
    ) -> Appended:
        """Append one event; `session_id` lets a terminal event free the session's active-run slot,
        and `turn` (terminal events only) is recorded in the session's transcript by the same step.

        `token` (default: a fresh uuid4 hex) makes a retry safe: call again with the same token after
        an ambiguous failure and the event is written at most once, reported ok with its seq."""
        keys_, args = self._args(event, session_id, token, turn)
        code, seq, promoted = await self._script(keys=keys_, args=args)
        appended = Appended(ok=int(code) == 1, seq=int(seq))
        if appended.ok and turn is not None and session_id and event.type in TERMINAL_TYPES:  # type: ignore[attr-defined]
            await self.redis.zadd(
                keys.owner_sessions(turn.owner), {session_id: turn.assistant.created_at}, xx=True
            )
        if appended.ok and promoted:  # last: an error before it, and the writer's retry pushes it
            await self.redis.lpush(keys.TASK_QUEUE, promoted)
        return appended

    async def append_in(
        self, pipe, event: _Event, *, session_id: str | None = None, token: str | None = None
    ) -> None:
        """Queue a non-terminal append in a pipeline/transaction (the gateway's atomic enqueue): a
        terminal one has steps after the script (`append`). The transaction sends the script's text
        (EVAL, 3 KB, cached by Redis under its SHA): a cluster node cannot load a script it has not
        seen before EXEC, and on one Redis redis-py would spend a round trip per transaction on
        SCRIPT EXISTS before it (one of the gateway's six round trips per new chat)."""
        if event.type in TERMINAL_TYPES:  # type: ignore[attr-defined]
            raise ValueError("a terminal event is appended with append(), not in a transaction")
        keys_, args = self._args(event, session_id, token)
        pipe.eval(_APPEND, len(keys_), *keys_, *args)

    async def read(self, task_id: str, after_seq: int = -1, count: int = 1000) -> list[LoggedEvent]:
        """Events with seq > after_seq, oldest first, at most `count`."""
        start = "-" if after_seq < 0 else f"({after_seq}-1"
        rows = await self.redis.xrange(keys.task_events(task_id), min=start, max="+", count=count)
        return [_entry(entry_id, fields) for entry_id, fields in rows]

    async def last(self, task_id: str) -> LoggedEvent | None:
        rows = await self.redis.xrevrange(keys.task_events(task_id), max="+", min="-", count=1)
        return _entry(*rows[0]) if rows else None

    async def fail_unclaimed(
        self, task_id: str, payload: str, session_id: str | None, timeout_s: float
    ) -> bool:
        """Take a task no worker picked up off the main queue and end it with error/no_worker.

        Shared by the gateway's stream watchdog and the workers' reaper: the LREM decides every race
        (a worker's BLMOVE, another gateway, another reaper), and only whoever removed it writes."""
        if not payload or not await self.redis.lrem(keys.TASK_QUEUE, 1, payload):
            return False
        message = f"No worker picked the task up within {timeout_s:g} s."
        await self.append(
            ErrorEvent(task_id=task_id, code="no_worker", message=message), session_id=session_id
        )
        return True


def _entry(entry_id: str, fields: dict[str, str]) -> LoggedEvent:
    return LoggedEvent(seq=int(entry_id.split("-", 1)[0]), data=fields["e"], terminal=fields.get("t") == "1")
