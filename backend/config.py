"""Gateway settings: one `Settings` class, read from the environment and `.env`, via `get_settings()`.

The settings the workers read too (Redis URL, the TTLs, the queue timeout, logging) are inherited from
contract/settings.py, so both services agree on their names and defaults.

No import-time singleton (the full-stack-fastapi-template trap): tests build `Settings(...)` and pass
it to `create_app(settings)`; `get_settings()` is cached for the process entry point.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from pydantic import field_validator

from contract.settings import SharedSettings, env_file

ROOT = Path(__file__).resolve().parent.parent


class Settings(SharedSettings):
    host: str = "0.0.0.0"
    """Interface the gateway binds (`python -m backend`)."""
    port: int = 8000
    api_keys: str = ""
    """Comma-separated API keys accepted in `X-API-Key`."""
    api_key: str = ""
    """A single key (added to API_KEYS)."""
    proxy_api_keys: str = ""
    """Comma-separated API keys of trusted proxies (also accepted as API keys): only a request with one
    of these may name its user in PROXY_USER_HEADER."""
    proxy_user_header: str = "X-Forwarded-User"
    """The header a trusted proxy (oauth2-proxy, an SSO ingress) names the signed-in user in."""
    proxy_name_header: str = "X-Forwarded-Preferred-Username"
    """The header a trusted proxy puts the user's display name in (the user header if absent)."""
    proxy_user_namespace: str = "trusted-proxy"
    """Namespace of proxy users' owner ids; set it to JWT_ISSUER to make them the same owners as that
    issuer's token users (backend/principal.py)."""
    jwt_secret: str = ""
    """HS256 shared secret for `Authorization: Bearer` tokens (at least 32 bytes); empty = no HS256."""
    jwt_jwks_url: str = ""
    """JWKS URL of the identity provider for RS256/ES256 tokens; empty = no JWKS."""
    jwt_algorithms: str = ""
    """Comma-separated accepted `alg`s; empty = HS256 with JWT_SECRET, RS256,ES256 with JWT_JWKS_URL."""
    jwt_issuer: str = ""
    """Required `iss` of every token (required when tokens are on)."""
    jwt_audience: str = ""
    """Required `aud` of every token (required when tokens are on)."""
    jwt_leeway_s: float = 30
    """Clock skew allowed on exp / nbf / iat."""
    jwt_owner_claim: str = "sub"
    """The claim that identifies the user (the owner of their sessions and tasks)."""
    jwt_name_claims: str = "name,preferred_username,email"
    """Claims tried in order for the display name the UI shows."""
    jwks_cache_s: float = 300
    """The JWKS is re-fetched after this long."""
    jwks_min_refresh_s: float = 30
    """A token with an unknown `kid` re-fetches the JWKS at most this often (key rotation is picked
    up, a flood of made-up kids is not a flood of fetches)."""
    jwks_timeout_s: float = 3
    """Bound on one JWKS fetch (connect + read); a request waiting on it gets 503 past that."""
    ui_demo_user: str = ""
    """Dev only: GET /ai/api/ui-config hands the UI an HS256 token for this subject (the devstack sets
    `demo`). Anyone who can reach the gateway then is that user: never set it in production."""
    max_message_chars: int = 16000
    """Longest accepted chat message (for one sent as `parts`: its text parts together); longer get 413."""
    max_parts: int = 10
    """Parts one chat message sent as `parts` may have; more get 422."""
    part_max_bytes: int = 2 * 1024 * 1024
    """Largest image or file one part may carry (decoded bytes); a larger one gets 413."""
    parts_max_bytes: int = 4 * 1024 * 1024
    """All the images and files of one message together (decoded bytes); more get 413. The request body
    limit grows by this much as base64."""
    rate_limit: str = "60/minute"
    """New chats per user on POST /ai/api/chat/stream, in fixed windows counted in Redis (e.g. '60/minute;1000/hour'); empty = no limit."""
    key_rate_limit: str = "600/minute"
    """New chats per API key in total: all its users together, or the key used alone (same syntax; empty = no limit)."""
    rate_limit_headers: bool = True
    """RateLimit-Limit / -Remaining / -Reset on POST /ai/api/chat/stream (the limit closest to running out)."""
    allowed_origins: str = ""
    """Comma-separated CORS origins ('*' for any); empty = same-origin only."""
    static_dir: Path = ROOT / "frontend" / "dist"
    """The built UI served at /ai/static."""
    ui_api_key_hint: str = ""
    """A key the UI's key dialog names (GET /ai/api/ui-config, no key needed): the devstack sets its public demo-key; never a real key."""
    share_ttl_s: int = 30 * 24 * 3600
    """How long a shared read-only snapshot stays readable after it is taken (0 = until revoked)."""
    share_rate_limit: str = "120/minute"
    """Reads of GET /ai/api/shared/{id} per client IP (the proxy's X-Forwarded-For with PROXY_HEADERS), same syntax as RATE_LIMIT; empty = no limit."""
    search_max_sessions: int = 200
    """Conversation search reads at most this many of the caller's newest sessions."""
    search_max_messages: int = 200
    """... and at most this many of each session's newest transcript messages."""
    max_queue_depth: int = 1000
    """The queue holds at most this many tasks: POST /chat/stream answers 503 with Retry-After when full."""
    admit_max_wait_s: float = 20
    """A new chat is accepted only if its predicted wait for a worker slot is at most this long (keep
    it well under QUEUE_TIMEOUT_S); otherwise 503 with Retry-After before anything is enqueued."""
    max_streams_per_user: int = 20
    """Open SSE streams allowed per user; more get 429."""
    max_streams_per_key: int = 200
    """Open SSE streams allowed per API key in total: all its users together, or the key used alone; more get 429."""
    sse_ping_s: float = 15
    sse_send_timeout_s: float = 30
    chat_wait_s: float = 120
    """POST /ai/api/chat waits this long for the answer, then answers 504 with the task id (the task
    runs on: resume its events or cancel it)."""
    relay_queue_size: int = 2048
    """Events buffered per open stream before that (slow) client is switched to catch-up reads."""

    redis_socket_timeout_s: float = 5
    """Command-client socket timeout (no blocking commands run on the gateway's client)."""
    redis_connect_timeout_s: float = 2
    redis_max_connections: int = 100
    """Size of the Redis command connection pool; a command that finds every connection busy waits."""
    redis_retries: int = 2
    """Retries of the command client on connection errors/timeouts (the enqueue transaction is
    WATCHed, so redis-py never re-sends it; see backend/connections.py)."""
    stream_lease_s: int = 60
    """An open stream's slot in the stream caps expires this long after its last refresh
    (a crashed gateway cannot hold slots forever)."""
    stream_gap_s: float = 2
    """Quiet streams are checked this often, together in one batched Redis call: a stream re-reads the
    event log only when the log is ahead of it (a lost pub/sub message) or its task ended, vanished
    or needs a watchdog."""
    subscribe_timeout_s: float = 3
    """How long a new stream waits for its SUBSCRIBE to be confirmed before answering 503."""
    busy_retry_after_s: int = 5
    """Retry-After seconds on 503 (queue full, Redis down); the floor of Retry-After when the workers
    are busy."""
    health_timeout_s: float = 1.5
    """Redis checks in /health and /health/ready give up after this long."""
    graceful_timeout_s: float = 10
    """uvicorn timeout_graceful_shutdown: open connections get this long once open streams were told to
    reconnect (keep SHUTDOWN_DELAY_S + this below the orchestrator's kill timeout)."""
    shutdown_delay_s: float = 1
    """After SIGTERM keep serving (readiness 503) this long before closing the listener and
    streams, so load balancers stop routing here first (a built-in preStop delay)."""
    proxy_headers: bool = False
    """Trust X-Forwarded-For/Proto (only behind a proxy you control)."""
    forwarded_allow_ips: str = "127.0.0.1"
    """Proxy addresses trusted for forwarded headers when PROXY_HEADERS is on."""

    @field_validator("static_dir", mode="before")
    @classmethod
    def _path(cls, v):
        return Path(v)

    @property
    def keys(self) -> list[str]:
        raw = [*_csv(self.api_keys), self.api_key.strip(), *self.proxy_keys]
        return [k for k in dict.fromkeys(raw) if k]

    @property
    def proxy_keys(self) -> list[str]:
        return _csv(self.proxy_api_keys)

    @property
    def tokens_enabled(self) -> bool:
        return bool(self.jwt_secret or self.jwt_jwks_url)

    @property
    def origins(self) -> list[str]:
        return _csv(self.allowed_origins)


def _csv(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def key_id(api_key: str) -> str:
    """Opaque owner id of an API key: what Redis stores instead of the key itself."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:24]


@lru_cache
def get_settings() -> Settings:
    return Settings(_env_file=env_file())


__all__ = ["Settings", "get_settings", "key_id"]
