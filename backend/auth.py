"""Who is calling: X-API-Key, a bearer token, or a trusted proxy's user header → a Principal.

    Authorization: Bearer <JWT>       (when JWT_SECRET or JWT_JWKS_URL is set) the token's user owns;
                                      a bad token is a 401 even if a valid key comes with it
    X-API-Key + PROXY_USER_HEADER     the header's user owns, but only with a key listed in
                                      PROXY_API_KEYS: a browser can set any header, not a proxy key
    X-API-Key alone                   the key is its own owner (a service client)
A proxy's user header that comes with an ordinary key is ignored, and without tokens configured so
is an Authorization header (a proxy may pass the IdP's token through). Owner ids are namespaced in
backend/principal.py.

Every configured key is compared with `hmac.compare_digest`, with no early exit, so the response
time says nothing about which key (or how much of one) matched. Redis and logs only ever see
`config.key_id(key)`, a hash, never the key. `request.state.owner` is the owner id; the rate limits
and stream caps count by the user and, separately, by the key it came with (backend/limits.py).

Routes take `Owner` (the owner id, a str); `CurrentPrincipal` is the whole Principal (GET /me).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from backend.config import key_id
from backend.errors import ApiError, JwksUnavailable, TokenRejected, unavailable
from backend.principal import Principal, key_owner, user_owner
from backend.tokens import TokenVerifier

API_KEY_HEADER = "X-API-Key"
MAX_PROXY_USER_CHARS = 256
_key_scheme = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="Gateway API key")
_bearer_scheme = HTTPBearer(auto_error=False, description="A JWT from the identity provider")
_KEY_CHALLENGE = f'APIKey header="{API_KEY_HEADER}"'


class ApiKeys:
    def __init__(self, keys: list[str], proxy_keys: Sequence[str] = ()) -> None:
        if not keys:
            raise ValueError("no API keys")
        proxies = set(proxy_keys)
        self._keys = [(k.encode(), k in proxies) for k in keys]

    def match(self, presented: str | None) -> tuple[str, bool] | None:
        """(key id, is a proxy key) for a presented key, or None (constant time over all keys)."""
        if not presented:
            return None
        candidate = presented.encode()
        matched: tuple[bytes, bool] | None = None
        for key, proxy in self._keys:
            if hmac.compare_digest(candidate, key):
                matched = (key, proxy)
        return (key_id(matched[0].decode()), matched[1]) if matched is not None else None

    def owner(self, presented: str | None) -> str | None:
        """The owner id of a presented key on its own, or None."""
        found = self.match(presented)
        return key_owner(found[0]) if found else None


def _challenges(request: Request) -> dict[str, str]:
    tokens = request.app.state.tokens is not None
    return {"WWW-Authenticate": _KEY_CHALLENGE + (", Bearer" if tokens else "")}


async def _from_token(request: Request, token: str, key: tuple[str, bool] | None) -> Principal:
    verifier: TokenVerifier = request.app.state.tokens
    try:
        user = await verifier.verify(token)
    except TokenRejected as exc:
        raise ApiError(
            401,
            f"Invalid bearer token: {exc.reason}",
            headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{exc.reason}"'},
            extra={"error": "invalid_token", "error_description": exc.reason},
        ) from None
    except JwksUnavailable:
        settings = request.app.state.settings
        raise unavailable(
            "the identity provider's keys are unavailable", settings.busy_retry_after_s, reason="jwks"
        ) from None
    owner = user_owner(user.issuer, user.subject)
    return Principal(owner=owner, via="token", name=user.name, key_id=key[0] if key else None)


def _from_key(request: Request, found: tuple[str, bool]) -> Principal:
    kid, is_proxy = found
    settings = request.app.state.settings
    user = (request.headers.get(settings.proxy_user_header) or "").strip() if is_proxy else ""
    if not user:
        return Principal(owner=key_owner(kid), via="key", key_id=kid)
    if len(user) > MAX_PROXY_USER_CHARS:
        raise ApiError(400, f"{settings.proxy_user_header} is longer than {MAX_PROXY_USER_CHARS} characters")
    name = (request.headers.get(settings.proxy_name_header) or "").strip()[:MAX_PROXY_USER_CHARS] or user
    owner = user_owner(settings.proxy_user_namespace, user)
    return Principal(owner=owner, via="proxy", name=name, key_id=kid)


async def require_principal(
    request: Request,
    api_key: Annotated[str | None, Depends(_key_scheme)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> Principal:
    found = request.app.state.api_keys.match(api_key) if request.app.state.api_keys else None
    if api_key and found is None:
        raise ApiError(401, "Invalid API key", headers=_challenges(request))
    if bearer is not None and request.app.state.tokens is not None:
        principal = await _from_token(request, bearer.credentials, found)
    elif found is not None:
        principal = _from_key(request, found)
    else:
        how = f"in the {API_KEY_HEADER} header" + (
            ", or a bearer token in Authorization" if request.app.state.tokens is not None else ""
        )
        raise ApiError(401, f"Missing API key (send it {how})", headers=_challenges(request))
    request.state.owner = principal.owner
    request.state.principal = principal
    return principal


async def principal_of(request: Request) -> Principal:
    """`require_principal` outside FastAPI's dependency solving (the lean chat stream route), reading
    the same two credentials the same way."""
    return await require_principal(request, await _key_scheme(request), await _bearer_scheme(request))


async def require_openai_principal(
    request: Request,
    api_key: Annotated[str | None, Depends(_key_scheme)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> Principal:
    """As require_principal, and a bearer credential that is one of the API keys is that key: OpenAI's
    clients send their API key as `Authorization: Bearer <key>` (the /v1 routes)."""
    keys = request.app.state.api_keys
    found = keys.match(bearer.credentials) if bearer is not None and not api_key and keys else None
    if found is None:
        return await require_principal(request, api_key, bearer)
    principal = _from_key(request, found)
    request.state.owner = principal.owner
    request.state.principal = principal
    return principal


async def require_owner(principal: Annotated[Principal, Depends(require_principal)]) -> str:
    return principal.owner


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
OpenAiPrincipal = Annotated[Principal, Depends(require_openai_principal)]
Owner = Annotated[str, Depends(require_owner)]
