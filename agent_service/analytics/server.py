"""The analytics MCP server: `list_tables`, `describe_table`, `run_query` over one read-only database.

Runs as its own process over stdio (`python -m agent_service.analytics`), one per worker process, started by
the Agents SDK's `MCPServerStdio` with the environment from `agent_service.analytics.mcp_params`:
DATABASE_URL (any SQLAlchemy URL; empty = the bundled sample SQLite at SAMPLE_DB_PATH), QUERY_MAX_ROWS,
QUERY_TIMEOUT_S, QUERY_MAX_BYTES (cap on the JSON one query returns). A separate process keeps database drivers, blocking I/O and crashes out of the worker's
event loop; the tools are sync functions, which mcp runs in worker threads, so concurrent agent runs sharing
one server do not queue behind a slow query.

Tool errors raise `ToolError`: only its message reaches the client (any other exception is masked as
"Error executing tool ..."), and the SDK hands it to the model as ordinary tool output, so messages are
written for the model to act on ("no such table: x. Available tables: ...").
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp_types import ToolAnnotations

from agent_service.analytics.query import DEFAULT_MAX_BYTES, QueryError, ReadOnlyDatabase
from agent_service.analytics.sample_db import ensure_sample_db

INSTRUCTIONS = (
    "Read-only SQL analytics. Call list_tables first, describe_table for columns, then run_query with one "
    "SELECT statement. Results are JSON {columns, rows, row_count, truncated}."
)
READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)


def database_url_from_env(env: dict[str, str] | None = None) -> str:
    """DATABASE_URL, or the bundled sample (created if missing) at SAMPLE_DB_PATH."""
    env = os.environ if env is None else env
    url = env.get("DATABASE_URL", "").strip()
    if url:
        return url
    from agent_service.config import Settings

    default = Settings.model_fields["sample_db_path"].default
    path = ensure_sample_db(Path(env.get("SAMPLE_DB_PATH") or default))
    return f"sqlite:///{path.resolve()}"


def build_server(db: ReadOnlyDatabase) -> MCPServer:
    """An MCPServer whose three tools read from `db`.

    Every tool's input schema is closed (`additionalProperties: false`): the tools take exactly their
    declared arguments, and an open schema cannot be converted for OpenAI strict function calling, so
    the Agents SDK would log `Error converting MCP schema to strict mode` on every run (it converts the
    tools per run) and send list_tables non-strict."""

    def list_tables() -> str:
        """List the tables of the database with their column names. Call this first."""
        try:
            tables = db.overview()
        except QueryError as exc:
            raise ToolError(str(exc)) from exc
        return json.dumps({"tables": tables})

    def describe_table(table: str) -> str:
        """Describe one table: columns (name, type, nullable, primary key), foreign keys and row count."""
        try:
            return json.dumps(db.describe(table))
        except QueryError as exc:
            raise ToolError(str(exc)) from exc

    def run_query(sql: str) -> str:
        """Run ONE read-only SQL statement (SELECT / WITH / EXPLAIN) and return JSON
        {"columns": [...], "rows": [[...]], "row_count": N, "truncated": bool}. Rows are capped; aggregate in SQL
        (GROUP BY, ORDER BY ... LIMIT) instead of fetching raw rows; rows and output size are capped and
        `truncated: true` means rows were left out."""
        try:
            return db.query(sql).to_json()
        except QueryError as exc:
            raise ToolError(str(exc)) from exc

    tools = []
    for fn in (list_tables, describe_table, run_query):
        tool = Tool.from_function(fn, annotations=READ_ONLY, structured_output=False)
        tool.parameters["additionalProperties"] = False
        tools.append(tool)
    return MCPServer("analytics", instructions=INSTRUCTIONS, tools=tools)


def main() -> None:
    db = ReadOnlyDatabase(
        database_url_from_env(),
        max_rows=int(os.environ.get("QUERY_MAX_ROWS", "200")),
        timeout_s=float(os.environ.get("QUERY_TIMEOUT_S", "10")),
        max_bytes=int(os.environ.get("QUERY_MAX_BYTES") or DEFAULT_MAX_BYTES),
    )
    try:
        build_server(db).run("stdio")
    finally:
        db.close()
