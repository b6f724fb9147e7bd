"""GET /ai/api/ui-config: what the bundled UI may know before it has credentials.

- `api_key_hint`: the local devstack runs with the public `demo-key` and sets UI_API_KEY_HINT so the
  UI's key dialog can name it, instead of leaving a first-time user guessing.
- `demo_token`: with UI_DEMO_USER (the devstack's `demo`) a fresh HS256 token for that user, so the
  first page load is signed in with no setup; `tokens`: whether the gateway accepts bearer tokens (the
  UI then offers sign-in by pasting one).
- `upload_max_bytes`: the largest CSV or Parquet file that becomes a table for the analytics tools
  (UPLOAD_MAX_BYTES), so the composer refuses a larger one before sending it.
Both hints are empty everywhere else; this endpoint needs no credentials, so never put a real key in
it nor set UI_DEMO_USER on a gateway others can reach.
"""

from __future__ import annotations

from fastapi import APIRouter

from backend.deps import SettingsDep
from backend.devtoken import mint
from backend.schemas import UiConfig

router = APIRouter(prefix="/ai/api", tags=["ui"])
DEMO_USER_NAME = "Demo user"


@router.get("/ui-config", responses={200: {"model": UiConfig}})
async def ui_config(settings: SettingsDep) -> dict:
    demo = settings.ui_demo_user if settings.jwt_secret else ""
    return {
        "api_key_hint": settings.ui_api_key_hint or None,
        "tokens": settings.tokens_enabled,
        "demo_token": mint(settings, demo, name=DEMO_USER_NAME) if demo else None,
        "upload_max_bytes": settings.upload_max_bytes,
    }
