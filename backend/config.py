"""Gateway settings: one `Settings` class, read from the environment and `.env`, via `get_settings()`.

No import-time singleton (the full-stack-fastapi-template trap): tests build `Settings(...)` and pass
it to `create_app(settings)`; `get_settings()` is cached for the process entry point.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    host: str = "0.0.0.0"
    """Interface the gateway binds (`python -m backend`)."""
    port: int = 8000
    redis_url: str = "redis://127.0.0.1:6379/0"
    api_keys: str = ""
    """Comma-separated API keys accepted in `X-API-Key`."""
    api_key: str = ""
    """A single key (added to API_KEYS)."""
    max_message_chars: int = 16000
    rate_limit: str = "60/minute"
    """slowapi limit per API key on POST /ai/api/chat/stream (e.g. '60/minute;1000/hour')."""
    allowed_origins: str = ""
    """Comma-separated CORS origins ('*' for any); empty = same-origin only."""
    static_dir: Path = ROOT / "frontend" / "dist"
    """The built UI served at /ai/static."""
    session_ttl_s: int = 7 * 24 * 3600
    event_retention_s: int = 600
    """How long a finished task's events and status stay readable (resume window)."""
    task_live_ttl_s: int = 3600
    """Safety TTL on a task's keys while it is not finished (refreshed on each event)."""
    queue_timeout_s: int = 60
    max_queue_depth: int = 1000
    max_streams_per_key: int = 20
    sse_ping_s: float = 15
    sse_send_timeout_s: float = 30
    relay_queue_size: int = 2048
    """Events buffered per open stream before that (slow) client is switched to catch-up reads."""
    worker_heartbeat_ttl_s: int = 10
    shutdown_grace_s: float = 3
    """On SIGTERM, open streams get this long to receive a last 'reconnect' frame."""
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("static_dir", mode="before")
    @classmethod
    def _path(cls, v):
        return Path(v)

    @property
    def keys(self) -> list[str]:
        raw = [k.strip() for k in self.api_keys.split(",")] + [self.api_key.strip()]
        return [k for k in dict.fromkeys(raw) if k]

    @property
    def origins(self) -> list[str]:
        return [o.strip() for o in self.allowed_origins.split(",") if o.strip()]


def key_id(api_key: str) -> str:
    """Opaque owner id of an API key: what Redis stores instead of the key itself."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:24]


@lru_cache
def get_settings() -> Settings:
    return Settings()


__all__ = ["Settings", "get_settings", "key_id"]
