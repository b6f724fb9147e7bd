"""/ai/api/sessions: the caller's own conversations only — list and search, read, rename, export,
feedback on an answer, share as a snapshot, delete."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from backend import export
from backend.auth import Owner
from backend.deps import SessionsDep, SettingsDep
from backend.feedback import Feedback
from backend.schemas import (
    SESSION_ID_PATTERN,
    TASK_ID_PATTERN,
    FeedbackRequest,
    RenameRequest,
    SessionDetail,
    SessionList,
    SessionSearch,
    SessionSummary,
    ShareLink,
)
from backend.search import search_sessions

router = APIRouter(prefix="/ai/api/sessions", tags=["sessions"])
SessionIdPath = Annotated[str, Path(pattern=SESSION_ID_PATTERN)]
TaskIdPath = Annotated[str, Path(pattern=TASK_ID_PATTERN)]
EXPORTS = {
    "markdown": ("text/markdown; charset=utf-8", "md", export.as_markdown),
    "json": ("application/json", "json", export.as_json),
}


@router.get("", responses={200: {"model": SessionList | SessionSearch}})
async def list_sessions(
    owner: Owner,
    sessions: SessionsDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> dict:
    """Newest first: session_id, title (first question or the name given), created_at, updated_at,
    message_count. With `q`: only sessions whose title or text hold every word of it, each with a
    `match` snippet, plus `searched` and `truncated` (backend/search.py bounds the work)."""
    if q is None or not q.strip():
        return {"sessions": await sessions.list(owner, limit)}
    return await search_sessions(
        sessions.redis,
        owner,
        q,
        limit=limit,
        max_sessions=settings.search_max_sessions,
        max_messages=settings.search_max_messages,
    )


@router.get("/{session_id}", responses={200: {"model": SessionDetail}})
async def get_session(session_id: SessionIdPath, owner: Owner, sessions: SessionsDep) -> dict:
    """The session summary plus `messages`: its transcript (TranscriptMessage JSON), oldest first;
    assistant messages carry `feedback` ({rating, comment, updated_at} or null)."""
    return await sessions.get(owner, session_id)


@router.patch("/{session_id}", responses={200: {"model": SessionSummary}})
async def rename_session(
    session_id: SessionIdPath, body: RenameRequest, owner: Owner, sessions: SessionsDep
) -> dict:
    """Rename: the summary with the new title (422 when empty or over 200 characters)."""
    return await sessions.rename(owner, session_id, body.title)


@router.get("/{session_id}/export")
async def export_session(
    session_id: SessionIdPath,
    owner: Owner,
    sessions: SessionsDep,
    format: Annotated[Literal["markdown", "json"], Query()] = "markdown",
) -> Response:
    """The conversation as a download: Markdown for people, JSON (the session plus exported_at)."""
    media_type, suffix, render = EXPORTS[format]
    body = render(await sessions.get(owner, session_id))
    disposition = f'attachment; filename="conversation-{session_id}.{suffix}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


@router.put("/{session_id}/feedback/{task_id}")
async def put_feedback(
    session_id: SessionIdPath, task_id: TaskIdPath, body: FeedbackRequest, owner: Owner, sessions: SessionsDep
) -> Feedback:
    """Thumbs up/down (+ comment) on the answer of `task_id`; replaces earlier feedback on it."""
    await sessions.require_answer(owner, session_id, task_id)
    return await sessions.feedback.set(session_id, task_id, body.rating, body.comment)


@router.delete("/{session_id}/feedback/{task_id}", status_code=204, response_class=Response)
async def delete_feedback(
    session_id: SessionIdPath, task_id: TaskIdPath, owner: Owner, sessions: SessionsDep
) -> Response:
    await sessions.require_answer(owner, session_id, task_id)
    await sessions.feedback.clear(session_id, task_id)
    return Response(status_code=204)


@router.post("/{session_id}/shares", status_code=201, responses={201: {"model": ShareLink}})
async def share_session(session_id: SessionIdPath, owner: Owner, sessions: SessionsDep) -> dict:
    """A read-only link to a snapshot of the conversation as it is now: {share_id, url, ...}."""
    return await sessions.shares.create(owner, await sessions.get(owner, session_id))


@router.delete("/{session_id}", status_code=204, response_class=Response)
async def delete_session(session_id: SessionIdPath, owner: Owner, sessions: SessionsDep) -> Response:
    """Cancel its runs, delete its hash, transcript, queue, model history, feedback and shared links."""
    await sessions.delete(owner, session_id)
    return Response(status_code=204)
