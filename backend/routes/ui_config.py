"""GET /ai/api/ui-config: what the bundled UI may know before it has an API key.

Only the key hint for now: the local devstack runs with the public `demo-key` and sets
UI_API_KEY_HINT so the UI's key dialog can name it, instead of leaving a first-time user guessing.
It is empty everywhere else; never put a real key in it (this endpoint needs no key).
"""

from __future__ import annotations

from fastapi import APIRouter

from backend.deps import SettingsDep

router = APIRouter(prefix="/ai/api", tags=["ui"])


@router.get("/ui-config")
async def ui_config(settings: SettingsDep) -> dict:
    return {"api_key_hint": settings.ui_api_key_hint or None}
