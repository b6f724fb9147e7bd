"""Server-side conversation search by title and text, over the caller's own sessions only.

RediSearch is not available, and an inverted index would have to be fed by the worker (which writes
the transcript) and kept in step with renames, deletes and TTL expiry. Instead a query walks the
caller's owner index (the only way to reach their sessions, so another owner's conversation can never
match) newest first, reading at most SEARCH_MAX_SESSIONS sessions and the newest SEARCH_MAX_MESSAGES
messages of each, in pipelined batches. The work per query is bounded by those two settings whatever
a user has stored, and results are always as fresh as the transcript. `truncated` says the owner has
more sessions than were searched.

Matching: every whitespace-separated term must occur (case-insensitive substring) in the title or in
some message text; tool outputs are not searched.
"""

from __future__ import annotations

import json

from redis.asyncio import Redis

from backend.sessionrecord import SessionRecord
from contract import keys

BATCH = 50
SNIPPET_CHARS = 120


def _snippet(text: str, term: str) -> str:
    at = text.lower().find(term)
    start = max(0, at - SNIPPET_CHARS // 3)
    piece = " ".join(text[start : start + SNIPPET_CHARS].split())
    return ("…" if start else "") + piece + ("…" if start + SNIPPET_CHARS < len(text) else "")


def _texts(raw: list[str]) -> list[str]:
    out = []
    for item in raw:
        try:
            text = json.loads(item).get("text")
        except (ValueError, AttributeError):
            continue
        if isinstance(text, str):
            out.append(text)
    return out


def _match(terms: list[str], title: str, texts: list[str]) -> tuple[bool, str | None]:
    """Whether all terms occur; the snippet of the first message holding the first term not in the title."""
    haystack = "\n".join([title, *texts]).lower()
    if not all(t in haystack for t in terms):
        return False, None
    lowered_title = title.lower()
    for term in terms:
        if term in lowered_title:
            continue
        for text in texts:
            if term in text.lower():
                return True, _snippet(text, term)
    return True, None


async def search_sessions(
    redis: Redis, owner: str, query: str, *, limit: int, max_sessions: int, max_messages: int
) -> dict:
    terms = query.lower().split()
    index = keys.owner_sessions(owner)
    ids = await redis.zrevrange(index, 0, max_sessions - 1)
    total = await redis.zcard(index)
    found: list[dict] = []
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        async with redis.pipeline(transaction=False) as pipe:
            for sid in batch:
                pipe.hgetall(keys.session(sid))
                pipe.lrange(keys.session_transcript(sid), -max_messages, -1)
            rows = await pipe.execute()
        for i, sid in enumerate(batch):
            session, raw = SessionRecord.parse(rows[2 * i]), rows[2 * i + 1]
            if session is None or session.owner != owner:
                continue
            hit, snippet = _match(terms, session.title, _texts(raw))
            if hit:
                found.append({**session.summary(sid), "match": snippet})
                if len(found) >= limit:
                    return {"sessions": found, "searched": start + i + 1, "truncated": True}
    return {"sessions": found, "searched": len(ids), "truncated": total > len(ids)}
