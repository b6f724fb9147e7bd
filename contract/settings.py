"""Settings both services read: one base class that the gateway's and the worker's `Settings` inherit.

A field here is a fact the two sides must agree on (where Redis is, how long the keys they both write
live, when a queued task is given up on) or one they configure alike (the Redis pool wait, logging),
so each has one name, one default and one meaning. A setting only one service reads lives in that
service's `Settings`; REDIS_MAX_CONNECTIONS is read by both but stays in each, as the defaults differ.
Both read the environment and `.env` from the working directory (ENV_FILE names another file; empty:
none, which the test suite sets for every process it starts); names are case-insensitive and unknown
names are ignored (one `.env` serves both services).
"""

from __future__ import annotations

import os

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE_VARIABLE = "ENV_FILE"


class SharedSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", use_attribute_docstrings=True)

    redis_url: str = "redis://127.0.0.1:6379/0"
    """Redis for the queue, event logs, sessions and rate limits."""
    redis_cluster: bool = False
    """REDIS_URL names one node of a Redis Cluster (the others are discovered from it): both
    services then use redis-py's RedisCluster (contract/clusterclient.py); keys are slotted for it
    either way (contract/keys.py). The database number in the URL must be 0."""
    redis_sentinels: str = ""
    """`host:port,host:port,...` of Redis Sentinels: both services then ask them for the primary of
    REDIS_SENTINEL_MASTER and follow it through failovers (contract/sentinelclient.py). REDIS_URL's
    host and port are then ignored; its scheme (rediss: TLS), username, password and database still
    apply to the primary and replicas. Not with REDIS_CLUSTER."""
    redis_sentinel_master: str = ""
    """The name the Sentinels monitor the primary under (`sentinel monitor <name> ...`); required
    with REDIS_SENTINELS."""
    redis_sentinel_password: SecretStr = SecretStr("")
    """AUTH password for the Sentinels themselves (`requirepass` in sentinel.conf); empty: none."""
    session_ttl_s: int = 7 * 24 * 3600
    """Conversation history, transcript and session metadata expire this long after the last message."""
    event_retention_s: int = 600
    """How long a finished task's events and status stay readable (resume window)."""
    task_live_ttl_s: int = 3600
    """Safety TTL on a task's keys while it is not finished (refreshed on each event)."""
    upload_max_bytes: int = 2 * 1024 * 1024
    """Largest CSV or Parquet file that becomes a table of its session for the analytics tools
    (contract/uploads.py): the worker stores none larger (the model is told), the UI refuses a larger
    one before sending (GET /ai/api/ui-config), the analytics server loads none larger."""
    queue_timeout_s: int = 60
    """A task no worker picks up within this many seconds ends with error/no_worker (the gateway's
    stream watchdog and the workers' reaper both enforce it)."""
    redis_pool_timeout_s: float = 10
    """How long a Redis command waits for a free pooled connection before it fails."""
    log_level: str = "INFO"
    """DEBUG, INFO, WARNING, ERROR."""
    log_json: bool = True
    """One JSON object per log line (with request_id, task_id, session_id); false = plain text."""

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinels(cls, value: str) -> str:
        sentinel_addresses(value)  # raises ValueError naming the bad entry
        return value

    @model_validator(mode="after")
    def _one_topology(self):
        if self.redis_sentinels and self.redis_cluster:
            raise ValueError("REDIS_SENTINELS and REDIS_CLUSTER exclude each other: choose one")
        if self.redis_sentinels and not self.redis_sentinel_master:
            raise ValueError("REDIS_SENTINELS needs REDIS_SENTINEL_MASTER (the monitored primary's name)")
        return self

    @property
    def sentinels(self) -> list[tuple[str, int]]:
        """REDIS_SENTINELS as (host, port) pairs; empty: no Sentinel."""
        return sentinel_addresses(self.redis_sentinels)


def sentinel_addresses(value: str) -> list[tuple[str, int]]:
    """Parse `host:port,host:port`; a missing or non-numeric port is a ValueError."""
    addresses = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"REDIS_SENTINELS entry {entry!r} is not host:port")
        addresses.append((host.strip("[]"), int(port)))
    return addresses


def env_file() -> str | None:
    """The settings file `get_settings()` reads: ENV_FILE when set ("" for none), else `.env`."""
    return os.environ.get(ENV_FILE_VARIABLE, ".env") or None


__all__ = ["SharedSettings", "env_file", "sentinel_addresses"]
