"""The identity provider's signing keys (a JWKS), fetched without blocking the event loop.

PyJWT's PyJWKClient fetches with urllib, synchronously: on the gateway's event loop that would stall
every open stream for as long as the identity provider takes to answer. So the JWKS is fetched here
with httpx2's async client and only parsed by PyJWT (PyJWKSet).

    cached                 for JWKS_CACHE_S after a successful fetch
    unknown kid            one re-fetch, at most every JWKS_MIN_REFRESH_S: a rotated key is picked
                           up at once, a flood of tokens with made-up kids costs no more fetches
    single flight          concurrent requests that need a fetch share the one in flight
    bounded                each fetch gives up after JWKS_TIMEOUT_S
    stale on failure       a failed re-fetch keeps the keys already held; with none held, the request
                           gets 503 (JwksUnavailable): the token is not at fault, the provider is
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx2
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError

from backend.errors import JwksUnavailable, UnknownKeyId

log = logging.getLogger(__name__)


class JwksCache:
    def __init__(self, url: str, *, cache_s: float, min_refresh_s: float, timeout_s: float) -> None:
        self.url = url
        self.cache_s = cache_s
        self.min_refresh_s = min_refresh_s
        self.timeout_s = timeout_s
        self._keys: list[PyJWK] = []
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._inflight: asyncio.Future | None = None
        self._client: httpx2.AsyncClient | None = None  # made on first use, inside the event loop

    async def aclose(self) -> None:
        if self._inflight is not None:
            self._inflight.cancel()
        if self._client is not None:
            await self._client.aclose()

    async def key(self, kid: str | None) -> PyJWK:
        if time.monotonic() - self._fetched_at > self.cache_s:
            await self._refresh()
        found = self._find(kid)
        if found is None:
            await self._refresh()
            found = self._find(kid)
        if found is None:
            if not self._keys:
                raise JwksUnavailable("no signing keys could be fetched")
            raise UnknownKeyId(kid)
        return found

    def _find(self, kid: str | None) -> PyJWK | None:
        if kid is None:  # a provider with one key may leave kid out
            return self._keys[0] if len(self._keys) == 1 else None
        return next((k for k in self._keys if k.key_id == kid), None)

    async def _refresh(self) -> None:
        """Join the fetch in flight, or start one unless the last attempt (even a failed one) began
        less than JWKS_MIN_REFRESH_S ago: then the keys it left are the answer."""
        if self._inflight is None:
            if time.monotonic() - self._attempted_at < self.min_refresh_s:
                return
            self._attempted_at = time.monotonic()
            self._inflight = asyncio.ensure_future(self._fetch())
            self._inflight.add_done_callback(self._fetched)
        # shielded: a request whose client left must not cancel the fetch others wait for
        await asyncio.shield(self._inflight)

    def _fetched(self, _: asyncio.Future) -> None:
        self._inflight = None

    async def _fetch(self) -> None:
        if self._client is None:
            self._client = httpx2.AsyncClient(timeout=self.timeout_s, follow_redirects=False)
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await self._client.get(self.url, headers={"Accept": "application/json"})
            response.raise_for_status()
            keys = PyJWKSet.from_dict(response.json()).keys
        except (TimeoutError, httpx2.HTTPError, ValueError, PyJWKSetError) as exc:
            log.warning("JWKS fetch from %s failed: %s: %s", self.url, type(exc).__name__, exc)
            return
        self._keys = keys
        self._fetched_at = time.monotonic()
