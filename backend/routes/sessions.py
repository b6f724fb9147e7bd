"""GET /ai/api/sessions, GET/DELETE /ai/api/sessions/{id}: the caller's own conversations only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from backend.auth import Owner
from backend.deps import SessionsDep
from backend.schemas import SESSION_ID_PATTERN

router = APIRouter(prefix="/ai/api/sessions", tags=["sessions"])
SessionIdPath = Annotated[str, Path(pattern=SESSION_ID_PATTERN)]


@router.get("")
async def list_sessions(
    owner: Owner, sessions: SessionsDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> dict:
    """Newest first: session_id, title (first question), created_at, updated_at, message_count."""
    return {"sessions": await sessions.list(owner, limit)}


@router.get("/{session_id}")
async def get_session(session_id: SessionIdPath, owner: Owner, sessions: SessionsDep) -> dict:
    """The session summary plus `messages`: its transcript (TranscriptMessage JSON), oldest first."""
    return await sessions.get(owner, session_id)


@router.delete("/{session_id}", status_code=204, response_class=Response)
async def delete_session(session_id: SessionIdPath, owner: Owner, sessions: SessionsDep) -> Response:
    """Cancel its runs, delete its hash, transcript, queue and model history."""
    await sessions.delete(owner, session_id)
    return Response(status_code=204)
