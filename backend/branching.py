"""Regenerate and edit-and-resend: which turn a chat request replaces, checked before anything is written.

A request naming a turn (`regenerate` / `edit`, backend/schemas.py) starts an ordinary task that
carries `ChatTask.replaces`; the worker then cuts the model history and the transcript at that turn
(agent_service/execution/history.py). The gateway only decides whether that is allowed and what the question is:
  - 404 for an unknown session or turn (and for another owner's, so ids cannot be probed);
  - 422 for a turn that belongs to another of the owner's sessions, and for regenerating a turn that
    carried an image or a file (the transcript keeps a record of them, not their data: send it again);
  - 409 while the session has an active run (a cut under a running turn would lose it), when the
    turn's start in the model history was never recorded (keys.session_marks: turns from before
    branching existed), since the model would then see the replaced turn, and for a turn on an
    earlier branch (it has a mark but is no longer in the transcript's current path: it lives in an
    earlier version's tail, contract/transcript.py), since the model history holds only the current
    branch: a conversation continues from its latest version.
"""

from __future__ import annotations

from pydantic import ValidationError
from redis.asyncio import Redis

from backend.errors import ApiError, not_found
from backend.schemas import ChatRequest
from backend.sessionrecord import SessionRecord
from backend.taskstore import ACTIVE, TaskStore
from contract import TranscriptMessage, keys
from contract.parts import question_text

EARLIER_BRANCH = "this turn is on an earlier version of the conversation: continue from the latest"


async def question_for(
    redis: Redis, tasks: TaskStore, owner: str, body: ChatRequest
) -> tuple[str, list, str]:
    """(the question to run as text, its parts (empty for a plain message), the task id it replaces or "")."""
    parts = list(body.parts or [])
    message = question_text(parts) if parts else body.message or ""
    target = body.replaces
    if not target:
        return message, parts, ""
    sid = body.session_id or ""
    session = SessionRecord.parse(await redis.hgetall(keys.session(sid)))
    if session is None or session.owner != owner:
        raise not_found("Session")
    active = session.active_task
    if active and (running := await tasks.get(active)) is not None and running.status in ACTIVE:
        raise ApiError(409, "session has an active run", extra={"task_id": active})
    asked = await _question(redis, sid, target)
    if asked is None and await redis.hexists(keys.session_marks(sid), target):
        raise ApiError(409, EARLIER_BRANCH)
    if asked is None:
        record = await tasks.get(target)
        if record and record.owner == owner and record.session_id != sid:
            raise ApiError(422, f"task {target} is a turn of another session")
        raise not_found("Turn")
    if not await redis.hexists(keys.session_marks(sid), target):
        raise ApiError(409, "this turn predates regenerate / edit and cannot be replaced")
    if not body.regenerate:
        return message, parts, target
    if any(p.type != "text" for p in asked.parts):
        raise ApiError(422, "this turn carried an image or a file, which is not kept: send it again")
    return asked.text, [], target


async def _question(redis: Redis, session_id: str, task_id: str) -> TranscriptMessage | None:
    for raw in await redis.lrange(keys.session_transcript(session_id), 0, -1):
        try:
            message = TranscriptMessage.model_validate_json(raw)
        except ValidationError:
            continue
        if message.role == "user" and message.task_id == task_id:
            return message
    return None
