"""Thumbs up / down with an optional comment on one answer, kept by the gateway next to the session.

The worker owns the transcript; feedback is the reader's judgement of it, so it lives in its own hash
keys.session_feedback(s) (task_id → Feedback JSON) rather than being written into transcript entries,
and is merged into each assistant message when a session is read or exported. The counter hash
keys.FEEDBACK_COUNTS counts ratings given (a new rating, or a changed one, adds one to its rating;
a repeated rating with a new comment does not), never decremented, so it can back a monotonic metric.
One Lua script does the write and the TTL together, refuses a deleted session and says whether the
rating is new; the count follows it (the counter hash is global, the script stays in the session's
Redis Cluster slot: contract/keys.py), so a gateway killed in between loses that one count. The
hash expires with its session: SESSION_TTL_S from the last feedback, and every new message of the
session refreshes it with the session's own TTL (backend/taskstore.py).
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis

from backend.errors import not_found
from contract import keys

RATINGS = ("up", "down")
Rating = Literal["up", "down"]

_SET = """
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if (not old) or cjson.decode(old)['rating'] ~= ARGV[3] then return 1 end
return 0
"""


class Feedback(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    rating: Rating
    comment: str = ""
    updated_at: float


class FeedbackStore:
    def __init__(self, redis: Redis, ttl_s: int) -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self._set = redis.register_script(_SET)

    async def set(self, session_id: str, task_id: str, rating: Rating, comment: str) -> Feedback:
        """Store (or replace) the feedback on one answer; the caller has checked the answer exists."""
        feedback = Feedback(rating=rating, comment=comment, updated_at=time.time())
        done = await self._set(
            keys=[keys.session_feedback(session_id), keys.session(session_id)],
            args=[task_id, feedback.model_dump_json(), rating, self.ttl_s],
        )
        if int(done) < 0:
            raise not_found("Session")
        if int(done):
            await self.redis.hincrby(keys.FEEDBACK_COUNTS, rating, 1)
        return feedback

    async def clear(self, session_id: str, task_id: str) -> bool:
        return bool(await self.redis.hdel(keys.session_feedback(session_id), task_id))

    async def of_session(self, session_id: str) -> dict[str, dict]:
        """task_id → Feedback as JSON-ready dicts (unreadable entries are skipped)."""
        raw = await self.redis.hgetall(keys.session_feedback(session_id))
        out = {}
        for task_id, value in raw.items():
            try:
                out[task_id] = Feedback.model_validate_json(value).model_dump(mode="json")
            except ValueError:
                continue
        return out

    async def counts(self) -> dict[str, int]:
        raw = await self.redis.hgetall(keys.FEEDBACK_COUNTS)
        return {rating: int(raw.get(rating) or 0) for rating in RATINGS}
