"""GET /ai/api/me: who the gateway takes the caller for, so the UI can show the user's name.

`kind` is "user" (a token's or a proxy's user) or "key" (an API key on its own); `owner` is the id the
caller's sessions and tasks are stored under (backend/principal.py), `name` a display name or null.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from backend.auth import CurrentPrincipal

router = APIRouter(prefix="/ai/api", tags=["identity"])


class Me(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    kind: Literal["user", "key"]
    via: Literal["key", "token", "proxy"]
    """How the caller was identified: an API key alone, a bearer token, a trusted proxy's header."""
    name: str | None
    owner: str


@router.get("/me", response_model=Me)
async def me(principal: CurrentPrincipal) -> Me:
    return Me(kind=principal.kind, via=principal.via, name=principal.name, owner=principal.owner)
