"""The task list tools: a per-user task list MCP server (add, list, update, complete, delete) for the
`tasks` agent, over SQLAlchemy (store.py).

The worker starts the server as a stdio subprocess like the analytics one (`mcp_params(settings)`), with
TASKS_DATABASE_URL passed explicitly (a stdio subprocess inherits only HOME/LOGNAME/PATH/SHELL/TERM/USER).
Who is asking never comes from the model: the worker puts the task's owner, the chat task id and the
tool call id into each call's MCP `_meta` under the keys below (client.py), and the server reads them
from there (server.py); the tools' input schemas have no owner argument at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent_service.tools.stdio import stdio_params

if TYPE_CHECKING:
    from agent_service.config import Settings

META_OWNER = "agent-stream/owner"
"""`_meta` key: the owner id of the authenticated request the chat task came from."""
META_TASK = "agent-stream/task"
"""`_meta` key: the chat task id (with the call id, the write's idempotency key)."""
META_CALL = "agent-stream/call"
"""`_meta` key: the model's tool call id (the same on a redelivered run resumed from saved state)."""


def tasks_database_url(settings: Settings) -> str:
    """TASKS_DATABASE_URL, or the SQLite file at TASKS_DB_PATH."""
    return settings.tasks_database_url or f"sqlite:///{settings.tasks_db_path.resolve()}"


def mcp_params(settings: Settings) -> dict[str, Any]:
    """MCPServerStdio params for the task list server."""
    return stdio_params("agent_service.tools.tasks", {"TASKS_DATABASE_URL": tasks_database_url(settings)})


__all__ = ["META_CALL", "META_OWNER", "META_TASK", "mcp_params", "tasks_database_url"]
