"""GET /ai/api/stats: gateway-wide counters that are not health (no key; aggregates only).

Today: how many thumbs up and down answers have received (backend/feedback.py counts them).
"""

from __future__ import annotations

from fastapi import APIRouter

from backend.deps import SessionsDep

router = APIRouter(prefix="/ai/api/stats", tags=["stats"])


@router.get("")
async def stats(sessions: SessionsDep) -> dict:
    return {"feedback": await sessions.feedback.counts()}
