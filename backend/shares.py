"""Read-only shared links: a copy of a conversation taken when it was shared, readable by anyone
holding the link's id.

The id is `secrets.token_urlsafe(16)` (128 random bits), so it cannot be guessed or enumerated; it
is the only thing the public route accepts. The share hash keys.share(id) holds a *snapshot* (the
messages as JSON at that moment), not a pointer to the session: the conversation may continue or be
deleted and the link keeps showing what was shared, until its owner revokes it (or deletes the
session, which revokes its links) or SHARE_TTL_S passes. The owner's index of shares and the
session's set of share ids carry TTLs too (the newest share's; the session's), so nothing is left
behind when everything has expired. The public view carries the title, the time
it was shared and the messages; never the owner id, the session id or the owner's feedback.
The share, the owner's index and the session's set are three Redis Cluster slots (contract/keys.py),
so no transaction spans them; the order keeps every partial outcome harmless: on create the indexes
first (an id without a share is dropped when listed), on revoke the share first (what revokes it).

A snapshot holds the current branch only: each message as it stands, without the earlier versions of a
regenerated or edited turn (`versions`, with the turns that followed them: contract/transcript.py). A
turn is often edited because it was wrong, or said too much; whoever reads the link sees the
conversation its owner sees when reading it through, not what the owner replaced. The owner's export
(backend/export.py) keeps every branch.
"""

from __future__ import annotations

import json
import secrets
import time

from redis.asyncio import Redis

from backend.errors import not_found
from contract import keys

SHARE_ID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
_META = ("owner", "session_id", "title", "created_at", "expires_at")


def share_url(share_id: str) -> str:
    """Where the UI shows a share (its hash route; the JSON is at /ai/api/shared/{id})."""
    return f"/ai/static/#/shared/{share_id}"


def _listing(share_id: str, meta: dict[str, str]) -> dict:
    expires = float(meta.get("expires_at") or 0)
    return {
        "share_id": share_id,
        "session_id": meta.get("session_id", ""),
        "title": meta.get("title", ""),
        "created_at": float(meta.get("created_at") or 0),
        "expires_at": expires or None,
        "url": share_url(share_id),
    }


def _shown(message: dict) -> dict:
    """A message as a snapshot keeps it: no feedback, no earlier versions (see the module docstring)."""
    return {**{k: v for k, v in message.items() if k != "feedback"}, "versions": []}


class ShareStore:
    def __init__(self, redis: Redis, ttl_s: int, session_ttl_s: int) -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self.session_ttl_s = session_ttl_s

    async def create(self, owner: str, session: dict) -> dict:
        """Snapshot `session` (SessionStore.get's shape: its current branch, feedback left out) under a
        new random id."""
        share_id = secrets.token_urlsafe(16)
        now = time.time()
        messages = [_shown(m) for m in session["messages"]]
        meta = {
            "owner": owner,
            "session_id": session["session_id"],
            "title": session["title"],
            "created_at": repr(now),
            "expires_at": repr(now + self.ttl_s) if self.ttl_s else "",
        }
        key = keys.share(share_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(keys.owner_shares(owner), {share_id: now})
            if self.ttl_s:  # the index outlives none of its shares, and nothing longer
                pipe.expire(keys.owner_shares(owner), self.ttl_s)
            pipe.sadd(keys.session_shares(session["session_id"]), share_id)
            pipe.expire(keys.session_shares(session["session_id"]), self.session_ttl_s)
            await pipe.execute()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={**meta, "messages": json.dumps(messages)})
            if self.ttl_s:
                pipe.expire(key, self.ttl_s)
            await pipe.execute()
        return _listing(share_id, meta)

    async def list(self, owner: str) -> list[dict]:
        """The owner's live shares, newest first (expired ones are dropped from the index)."""
        index = keys.owner_shares(owner)
        ids = await self.redis.zrevrange(index, 0, -1)
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for share_id in ids:
                pipe.hmget(keys.share(share_id), *_META)
            rows = await pipe.execute()
        out, gone = [], []
        for share_id, values in zip(ids, rows, strict=True):
            meta = dict(zip(_META, values, strict=True))
            if meta["owner"] != owner:
                gone.append(share_id)
                continue
            out.append(_listing(share_id, meta))
        if gone:
            await self.redis.zrem(index, *gone)
        return out

    async def revoke(self, owner: str, share_id: str) -> None:
        meta = await self.redis.hmget(keys.share(share_id), "owner", "session_id")
        if meta[0] != owner:
            raise not_found("Share")
        await self._drop(owner, share_id, meta[1] or "")

    async def revoke_session(self, owner: str, session_id: str) -> None:
        """Every share of a session (it is being deleted)."""
        for share_id in await self.redis.smembers(keys.session_shares(session_id)):
            await self._drop(owner, share_id, session_id)
        await self.redis.delete(keys.session_shares(session_id))

    async def _drop(self, owner: str, share_id: str, session_id: str) -> None:
        await self.redis.delete(keys.share(share_id))
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrem(keys.owner_shares(owner), share_id)
            pipe.srem(keys.session_shares(session_id), share_id)
            await pipe.execute()

    async def read(self, share_id: str) -> dict:
        """The public view of a share: no owner, no session id."""
        fields = await self.redis.hgetall(keys.share(share_id))
        if not fields:
            raise not_found("Shared conversation")
        return {
            "share_id": share_id,
            "title": fields.get("title", ""),
            "shared_at": float(fields.get("created_at") or 0),
            "messages": json.loads(fields.get("messages") or "[]"),
        }
