"""Conversation memory: the model-visible history (SDK RedisSession) and the person-visible transcript.

Model history — what RedisSession does (checked with openai-agents 0.24, see tests): the streamed run
saves items *as it goes*: the user input when the run starts, then each finished turn's items
(function_call, function_call_output, assistant message). A cancelled turn's partial text is discarded,
earlier items stay; a crash or model error leaves e.g. [user, function_call, function_call_output]
without an answer. So a retried attempt would otherwise add the user message a second time. `rewind`
fixes that: on the first attempt it records the history length in the task hash (field `history_len`),
and every attempt first trims the list back to that length, so each attempt starts from the same history.
The same first attempt records where the turn starts in the session's marks (keys.session_marks,
with the session's TTL, since the task hash expires long before the session): a regenerate / edit
task (`ChatTask.replaces`) first cuts the history back to the replaced turn's mark, so the model
sees the conversation as it was before that question.

The SDK calls its history store a "session"; here it is the model history (`model_history`,
`ModelHistory`), apart from the chat session (keys.session) it belongs to.

Why `ModelHistory` and not RedisSession as it is: the SDK appends a turn's items in a WATCHed
transaction (WATCH, three TYPE checks, TIME, MULTI…EXEC: five round trips holding one pooled
connection, behind a task and an event per attempt), three to four times per chat. With hundreds of
runs in one worker that was 5 % of its CPU and the main holder of its Redis connections. The keys are
only written by this worker code, so the append is one Lua call instead, with the same effect
(session hash with session_id/created_at/updated_at, RPUSH of the items, the TTL on both keys).
Reads, pops and clears are the SDK's.

Transcript — the user and assistant TranscriptMessage of a turn (built by the run's RunRecord,
execution/record.py) ride on the terminal event's append, which records them in
keys.session_transcript with the session's message_count and updated_at in the same step
(contract/eventlog.py): the answer is in the transcript exactly when the terminal event is in the
log, once, and never for a deleted session. A regenerate / edit turn carries the transcript index of
the replaced question (`Turn.cut`) and the replaced answers as its `versions`, each earlier version
with the turns that followed it (the rule: contract/transcript.py's `branch`), read from the
transcript when the turn ends (`Conversation.branch`). The model history keeps only the new branch.
"""

from __future__ import annotations

import json
import logging

from agents.extensions.memory import RedisSession
from agents.memory import SessionSettings
from pydantic import ValidationError
from redis.asyncio import Redis

from agent_service.config import Settings
from contract import ChatTask, TaskField, TranscriptMessage, keys
from contract.transcript import Branch, branch

log = logging.getLogger(__name__)
HISTORY_LEN_FIELD = TaskField.HISTORY_LEN

_REWIND = """
local n = redis.call('HGET', KEYS[1], ARGV[1])
local len = redis.call('LLEN', KEYS[2])
if not n then
  if ARGV[3] ~= '' then
    local mark = redis.call('HGET', KEYS[3], ARGV[3])
    if mark then
      mark = tonumber(mark)
      if len > mark then
        if mark == 0 then redis.call('DEL', KEYS[2]) else redis.call('LTRIM', KEYS[2], 0, mark - 1) end
        len = mark
      end
    end
  end
  redis.call('HSET', KEYS[1], ARGV[1], len)
  redis.call('HSET', KEYS[3], ARGV[2], len)
  redis.call('EXPIRE', KEYS[3], ARGV[4])
  return len
end
n = tonumber(n)
if len > n then
  if n == 0 then redis.call('DEL', KEYS[2]) else redis.call('LTRIM', KEYS[2], 0, n - 1) end
end
return n
"""


_APPEND = """
local now = redis.call('TIME')[1]
redis.call('HSET', KEYS[1], 'session_id', ARGV[1])
redis.call('HSETNX', KEYS[1], 'created_at', now)
redis.call('RPUSH', KEYS[2], unpack(ARGV, 3))
redis.call('HSET', KEYS[1], 'updated_at', now)
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
"""


class ModelHistory(RedisSession):
    """RedisSession whose append is one round trip (see the module docstring)."""

    async def add_items(self, items) -> None:
        self._check_not_closed()
        if not items:
            return
        data = [json.dumps(item, separators=(",", ":")) for item in items]
        ttl_ms = (self._ttl or 0) * 1000
        append = self._redis.register_script(_APPEND)  # EVALSHA, loading the script once per server
        async with self._lock:
            self._check_not_closed()
            await append(keys=[self._session_key, self._messages_key], args=[self.session_id, ttl_ms, *data])


def model_history(settings: Settings, redis: Redis, session_id: str) -> RedisSession:
    """The chat session's model history, which the run reads and extends (the SDK's `session`);
    SESSION_HISTORY_ITEMS caps what the model sees."""
    return ModelHistory(
        session_id,
        redis_client=redis,
        key_prefix=keys.history_prefix(session_id),
        ttl=settings.session_ttl_s,
        session_settings=SessionSettings(limit=settings.session_history_items),
    )


class Conversation:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.settings = settings
        self.redis = redis
        self._rewind = redis.register_script(_REWIND)

    async def rewind(self, task: ChatTask) -> int:
        """Trim the model history back to where it was before this task's first attempt (for a
        regenerate / edit task: to where the replaced turn started)."""
        sid = task.session_id
        return int(
            await self._rewind(
                keys=[keys.task(task.task_id), keys.history_messages(sid), keys.session_marks(sid)],
                args=[HISTORY_LEN_FIELD, task.task_id, task.replaces, self.settings.session_ttl_s],
            )
        )

    async def branch(self, task: ChatTask) -> Branch:
        """Where a regenerate / edit turn goes in the transcript and the versions its answer
        inherits (the rule: contract/transcript.py's `branch`), read when the turn ends."""
        if not task.replaces:
            return Branch()
        messages: list[TranscriptMessage | None] = []
        for raw in await self.redis.lrange(keys.session_transcript(task.session_id), 0, -1):
            try:
                messages.append(TranscriptMessage.model_validate_json(raw))
            except ValidationError:
                messages.append(None)
        found = branch(messages, task.replaces)
        if found.cut < 0:
            log.warning("the replaced turn is no longer in the transcript; appending")
        return found
