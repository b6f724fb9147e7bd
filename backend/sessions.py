"""Conversations as the UI lists and restores them, scoped to the API key that created them.

The owner index keys.owner_sessions(owner) (ZSET by updated_at) is the only way to enumerate: no
SCAN over Redis, and an owner can only ever reach its own sessions. A session owned by another key
answers exactly like a missing one (404), so ids cannot be probed. The transcript is the worker's
display record (TranscriptMessage JSON per turn); the model-visible SDK history lives under
keys.history(s) and is deleted with the session.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from redis.asyncio import Redis

from backend.contract import ChatTask, SessionField, TaskField, TranscriptMessage, keys
from backend.errors import not_found
from backend.schemas import timestamp
from backend.taskstore import TaskStore

log = logging.getLogger(__name__)


def summary(session_id: str, fields: dict[str, str]) -> dict:
    return {
        "session_id": session_id,
        "title": fields.get(SessionField.TITLE, ""),
        "created_at": timestamp(fields.get(SessionField.CREATED_AT)),
        "updated_at": timestamp(fields.get(SessionField.UPDATED_AT)),
        "message_count": int(fields.get(SessionField.MESSAGE_COUNT) or 0),
        "active_task": fields.get(SessionField.ACTIVE_TASK) or None,
    }


class SessionStore:
    def __init__(self, redis: Redis, tasks: TaskStore) -> None:
        self.redis = redis
        self.tasks = tasks

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
            if not fields or fields.get(SessionField.OWNER) != owner:
                gone.append(sid)
                continue
            out.append(summary(sid, fields))
        if gone:
            await self.redis.zrem(index, *gone)
        return out

    async def _owned(self, owner: str, session_id: str) -> dict[str, str]:
        fields = await self.redis.hgetall(keys.session(session_id))
        if not fields or fields.get(SessionField.OWNER) != owner:
            raise not_found("Session")
        return fields

    async def get(self, owner: str, session_id: str) -> dict:
        fields = await self._owned(owner, session_id)
        raw = await self.redis.lrange(keys.session_transcript(session_id), 0, -1)
        messages = []
        for item in raw:
            try:
                messages.append(TranscriptMessage.model_validate_json(item).model_dump(mode="json"))
            except ValidationError:
                log.warning("session %s: unreadable transcript entry skipped", session_id)
        return {**summary(session_id, fields), "messages": messages}

    async def delete(self, owner: str, session_id: str) -> None:
        """Cancel its active and waiting runs (their clients get a `cancelled` event), then delete
        every key of the session and drop it from the owner's index."""
        fields = await self._owned(owner, session_id)
        waiting = await self.redis.lrange(keys.session_queue(session_id), 0, -1)
        task_ids = []  # waiting runs first: cancelling the active one would promote the next
        for payload in waiting:
            try:
                task_ids.append(_task_id(payload))
            except ValueError:
                continue
        task_ids.append(fields.get(SessionField.ACTIVE_TASK))
        for task_id in filter(None, task_ids):
            record = await self.tasks.get(task_id)
            if record and record.get(TaskField.OWNER) == owner:
                await self.tasks.cancel(task_id, record)
        await self.redis.delete(
            keys.session(session_id),
            keys.session_transcript(session_id),
            keys.session_queue(session_id),
            keys.history(session_id),
            keys.history_messages(session_id),
            keys.history_counter(session_id),
        )
        await self.redis.zrem(keys.owner_sessions(owner), session_id)


def _task_id(payload: str) -> str:
    try:
        return ChatTask.model_validate_json(payload).task_id
    except ValidationError as exc:
        raise ValueError(str(exc)) from exc
