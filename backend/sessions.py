"""Conversations as the UI lists, restores, renames and deletes them, scoped to their owner.

The owner index keys.owner_sessions(owner) (ZSET by updated_at) is the only way to enumerate: no
SCAN over Redis, and an owner can only ever reach its own sessions. A session owned by another key
answers exactly like a missing one (404), so ids cannot be probed. The transcript is the worker's
display record (TranscriptMessage JSON per turn); the model-visible SDK history lives under
keys.history(s) and is deleted with the session, as are its feedback (backend/feedback.py) and its
shared links (backend/shares.py). A rename is one Lua script that checks the owner and that the
session still exists, so it can never resurrect a deleted session as an ownerless hash.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from redis.asyncio import Redis

from backend.errors import not_found
from backend.feedback import FeedbackStore
from backend.sessionrecord import SessionRecord
from backend.shares import ShareStore
from backend.taskstore import TaskStore
from contract import SessionField, TranscriptMessage, keys, task_id_of

log = logging.getLogger(__name__)


_RENAME = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
return 1
"""


class SessionStore:
    def __init__(self, redis: Redis, tasks: TaskStore, feedback: FeedbackStore, shares: ShareStore) -> None:
        self.redis = redis
        self.tasks = tasks
        self.feedback = feedback
        self.shares = shares
        self._rename = redis.register_script(_RENAME)

    async def list(self, owner: str, limit: int) -> list[dict]:
        index = keys.owner_sessions(owner)
        ids = await self.redis.zrevrange(index, 0, limit - 1)
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for sid in ids:
                pipe.hgetall(keys.session(sid))
            rows = await pipe.execute()
        out, gone = [], []
        for sid, fields in zip(ids, rows, strict=True):
            session = SessionRecord.parse(fields)
            if session is None or session.owner != owner:
                gone.append(sid)
                continue
            out.append(session.summary(sid))
        if gone:
            await self.redis.zrem(index, *gone)
        return out

    async def _owned(self, owner: str, session_id: str) -> SessionRecord:
        session = SessionRecord.parse(await self.redis.hgetall(keys.session(session_id)))
        if session is None or session.owner != owner:
            raise not_found("Session")
        return session

    async def get(self, owner: str, session_id: str) -> dict:
        """The summary and its messages; each assistant message carries its `feedback` (or null)."""
        session = await self._owned(owner, session_id)
        messages = await self._messages(session_id)
        feedback = await self.feedback.of_session(session_id)
        for message in messages:
            if message["role"] == "assistant":
                message["feedback"] = feedback.get(message["task_id"])
        return {**session.summary(session_id), "messages": messages}

    async def _messages(self, session_id: str) -> list[dict]:
        raw = await self.redis.lrange(keys.session_transcript(session_id), 0, -1)
        messages = []
        for item in raw:
            try:
                messages.append(TranscriptMessage.model_validate_json(item).model_dump(mode="json"))
            except ValidationError:
                log.warning("session %s: unreadable transcript entry skipped", session_id)
        return messages

    async def rename(self, owner: str, session_id: str, title: str) -> dict:
        done = await self._rename(
            keys=[keys.session(session_id)],
            args=[SessionField.OWNER, owner, SessionField.TITLE, title],
        )
        if not int(done):
            raise not_found("Session")
        return (await self._owned(owner, session_id)).summary(session_id)

    async def require_answer(self, owner: str, session_id: str, task_id: str) -> None:
        """404 unless the owner's session has an assistant message of that task."""
        await self._owned(owner, session_id)
        if not any(
            m["role"] == "assistant" and m["task_id"] == task_id for m in await self._messages(session_id)
        ):
            raise not_found("Answer")

    async def delete(self, owner: str, session_id: str) -> None:
        """Cancel its active and waiting runs (their clients get a `cancelled` event), then delete
        every key of the session and drop it from the owner's index."""
        session = await self._owned(owner, session_id)
        waiting = await self.redis.lrange(keys.session_queue(session_id), 0, -1)
        # waiting runs first: cancelling the active one would promote the next
        task_ids = [*map(task_id_of, waiting), session.active_task]
        for task_id in filter(None, task_ids):
            record = await self.tasks.get(task_id)
            if record is not None and record.owner == owner:
                await self.tasks.cancel(task_id, record)
        await self.redis.delete(
            keys.session(session_id),
            keys.session_transcript(session_id),
            keys.session_marks(session_id),
            keys.session_queue(session_id),
            keys.history(session_id),
            keys.history_messages(session_id),
            keys.history_counter(session_id),
            keys.session_feedback(session_id),
            keys.session_uploads(session_id),
            keys.session_upload_data(session_id),
        )
        await self.redis.zrem(keys.owner_sessions(owner), session_id)
        await self.shares.revoke_session(owner, session_id)
