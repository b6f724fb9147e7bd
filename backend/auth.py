"""API-key authentication: X-API-Key → an opaque owner id.

Every configured key is compared with `hmac.compare_digest`, with no early exit, so the response
time says nothing about which key (or how much of one) matched. Redis and logs only ever see
`config.key_id(key)`, a hash, never the key. The owner id is also the rate-limit and stream-cap key.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from backend.config import key_id
from backend.errors import ApiError

API_KEY_HEADER = "X-API-Key"
_scheme = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="Gateway API key")
_CHALLENGE = {"WWW-Authenticate": f'APIKey header="{API_KEY_HEADER}"'}


class ApiKeys:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("no API keys")
        self._keys = [k.encode() for k in keys]

    def owner(self, presented: str | None) -> str | None:
        """The owner id for a presented key, or None (constant time over all keys)."""
        if not presented:
            return None
        candidate = presented.encode()
        matched: bytes | None = None
        for key in self._keys:
            if hmac.compare_digest(candidate, key):
                matched = key
        return key_id(matched.decode()) if matched is not None else None


async def require_owner(request: Request, api_key: Annotated[str | None, Depends(_scheme)]) -> str:
    if not api_key:
        raise ApiError(401, f"Missing API key (send it in the {API_KEY_HEADER} header)", headers=_CHALLENGE)
    owner = request.app.state.api_keys.owner(api_key)
    if owner is None:
        raise ApiError(401, "Invalid API key", headers=_CHALLENGE)
    request.state.owner = owner
    return owner


Owner = Annotated[str, Depends(require_owner)]
