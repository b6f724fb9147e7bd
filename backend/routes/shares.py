"""Shared links: the owner lists and revokes them (API key); anyone with a link reads its snapshot
at GET /ai/api/shared/{id} with no key at all (backend/shares.py says what a snapshot holds), at most
SHARE_RATE_LIMIT reads per client IP (backend/limits.py ClientRate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import JSONResponse, Response

from backend.auth import Owner
from backend.deps import SessionsDep
from backend.limits import ClientRate
from backend.schemas import Refusal, SharedConversation, ShareList
from backend.shares import SHARE_ID_PATTERN

router = APIRouter(prefix="/ai/api", tags=["shares"])
ShareIdPath = Annotated[str, Path(pattern=SHARE_ID_PATTERN)]


async def _share_rate(request: Request) -> None:
    state = request.app.state
    rate = ClientRate(state.redis, state.settings.share_rate_limit, "share_rate")
    await rate.check(request.client.host if request.client else "")


@router.get("/shares", responses={200: {"model": ShareList}})
async def list_shares(owner: Owner, sessions: SessionsDep) -> dict:
    """The caller's live links, newest first: share_id, session_id, title, created_at, expires_at, url."""
    return {"shares": await sessions.shares.list(owner)}


@router.delete("/shares/{share_id}", status_code=204, response_class=Response)
async def revoke_share(share_id: ShareIdPath, owner: Owner, sessions: SessionsDep) -> Response:
    """The link stops working at once (another owner's share is a 404)."""
    await sessions.shares.revoke(owner, share_id)
    return Response(status_code=204)


@router.get(
    "/shared/{share_id}",
    dependencies=[Depends(_share_rate)],
    responses={
        200: {"model": SharedConversation},
        429: {"model": Refusal, "description": "SHARE_RATE_LIMIT reads from this client IP (Retry-After)"},
    },
)
async def read_shared(share_id: ShareIdPath, sessions: SessionsDep) -> JSONResponse:
    """Public: {share_id, title, shared_at, messages}. Not cached, so a revoke takes effect at once."""
    body = await sessions.shares.read(share_id)
    return JSONResponse(body, headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
