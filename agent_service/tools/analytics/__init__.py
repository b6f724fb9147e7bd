"""Analytics tools for the agent: a read-only SQL MCP server and the bundled sample database.

The worker starts the server as a stdio subprocess with `MCPServerStdio(params=mcp_params(settings))`;
everything the server needs (database URL, caps) is passed in its environment (tools/stdio.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent_service.tools.analytics.sample_db import ensure_sample_db
from agent_service.tools.stdio import stdio_params

if TYPE_CHECKING:
    from agent_service.config import Settings


def mcp_params(settings: Settings, redis_url: str | None = None) -> dict[str, Any]:
    """MCPServerStdio params for the analytics server; creates the sample database first when it is used.
    `redis_url`: where the server caches schema lookups (schemacache.py); None = no cache (the worker
    passes its REDIS_URL; tests and other clients opt in explicitly)."""
    env = {
        "QUERY_MAX_ROWS": str(settings.query_max_rows),
        "QUERY_TIMEOUT_S": str(settings.query_timeout_s),
        # Settings.query_max_bytes may not exist yet: fall back to the executor's default.
        "QUERY_MAX_BYTES": str(settings.query_max_bytes),
    }
    if redis_url:
        env["REDIS_URL"] = redis_url  # the schema cache, and the sessions' uploaded tables (uploads.py)
        env["REDIS_CLUSTER"] = "true" if settings.redis_cluster else "false"
    env["UPLOAD_MAX_BYTES"] = str(settings.upload_max_bytes)
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
        env["DATABASE_ALLOW_UNSAFE_ROLE"] = "true" if settings.database_allow_unsafe_role else "false"
    else:
        env["SAMPLE_DB_PATH"] = str(ensure_sample_db(settings.sample_db_path).resolve())
    return stdio_params("agent_service.tools.analytics", env)


__all__ = ["ensure_sample_db", "mcp_params"]
