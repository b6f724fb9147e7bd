"""Where the client connects and how it authenticates: flags first, then AGENT_STREAM_* variables.

It reads no .env file: the services' .env holds their own keys (API_KEYS), not a client's.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ClientSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENT_STREAM_", extra="ignore")

    url: str = "http://127.0.0.1:8000"
    """The gateway's base URL (the API is under /ai/api)."""
    api_key: str = ""
    """Sent as X-API-Key."""
    token: str = ""
    """Sent as `Authorization: Bearer` (when no API key is set)."""

    def auth_headers(self) -> dict[str, str]:
        if self.api_key:
            return {"X-API-Key": self.api_key}
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        return {}
