"""The analytics MCP server: `list_tables`, `describe_table`, `sample_rows`, `run_query` over one read-only
database.

Runs as its own process over stdio (`python -m agent_service.tools.analytics`), one per worker process, started by
the Agents SDK's `MCPServerStdio` with the environment from `agent_service.tools.analytics.mcp_params`:
DATABASE_URL (any SQLAlchemy URL; empty = the bundled sample SQLite at SAMPLE_DB_PATH), QUERY_MAX_ROWS,
QUERY_TIMEOUT_S, QUERY_MAX_BYTES (cap on the JSON one query returns). A separate process keeps database drivers, blocking I/O and crashes out of the worker's
event loop; the tools are sync functions, which mcp runs in worker threads, so concurrent agent runs sharing
one server do not queue behind a slow query.

Before serving, the database role is checked (roles.py): a connection that can write, is a superuser or can
reach server files refuses to start with a message naming each problem, unless DATABASE_ALLOW_UNSAFE_ROLE=true,
in which case it serves with a warning in its log and at the top of the MCP instructions the worker reads at
start-up ("reported status").

Tool errors raise `ToolError`: only its message reaches the client (any other exception is masked as
"Error executing tool ..."), and the SDK hands it to the model as ordinary tool output, so messages are
written for the model to act on ("no such table: x. Available tables: ...").

run_query validates, then runs: the statement check and an EXPLAIN dry run first (the database's own
error, e.g. an unknown column, comes back before anything runs), then the query. It reports MCP progress
("validating", then "querying") to a client that asked for it. Its result has two audiences: the text
content is what the model reads (summary.py: all of a small result, a summary of a large one) and the
structured content is the whole result for the client, with the SQL and a chart suggestion (chart.py);
the worker turns that into the `data` event. list_tables and describe_table are cached in Redis per
schema fingerprint when REDIS_URL is set (schemacache.py).

Uploaded tables: each call's MCP `_meta` names the run's session (uploads.py), and the files that
session's user attached (CSV, Parquet: contract/uploads.py) are tables `upload_<name>` beside the
database's, in list_tables, describe_table, sample_rows and run_query, loaded into a read-only DuckDB
database of that session only (uploaddb.py). A query that names one of them runs there, in DuckDB's
dialect, under the same statement check; it cannot join the database's tables (they are two engines).
The cached list_tables is the database's alone: a session's tables are added after the cache.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, TextContent, ToolAnnotations

from agent_service.tools.analytics.chart import suggest_chart
from agent_service.tools.analytics.query import DEFAULT_MAX_BYTES, QueryError, ReadOnlyDatabase
from agent_service.tools.analytics.results import json_value
from agent_service.tools.analytics.roles import role_problems
from agent_service.tools.analytics.sample_db import ensure_sample_db
from agent_service.tools.analytics.schema import Schema
from agent_service.tools.analytics.schemacache import SchemaCache
from agent_service.tools.analytics.summary import for_model
from agent_service.tools.analytics.uploads import UploadTables, session_of

log = logging.getLogger("agent_service.tools.analytics")

INSTRUCTIONS = (
    "Read-only SQL analytics. Call list_tables first, describe_table for columns, keys and sample values, "
    "sample_rows for a few real rows, then run_query with one SELECT statement in the database's dialect. "
    "Results are JSON {columns, rows, row_count, truncated}; a large result comes as its first rows plus "
    "`summary` and per-column `stats` (the user sees the whole table). Tables named upload_* are files the "
    "user attached in this conversation (DuckDB SQL; query them apart from the other tables)."
)
UNSAFE_WARNING = (
    "WARNING: the database role is not read-only ({problems}); DATABASE_ALLOW_UNSAFE_ROLE is set."
)
_UNSAFE_HEAD, _, _UNSAFE_TAIL = UNSAFE_WARNING.partition("{problems}")


def role_warnings(instructions: str | None) -> list[str]:
    """The role problems an analytics server announced at the head of its MCP instructions (the
    worker reports them in its heartbeat); [] when it announced none."""
    if not instructions or not instructions.startswith(_UNSAFE_HEAD):
        return []
    problems, found, _ = instructions[len(_UNSAFE_HEAD) :].partition(_UNSAFE_TAIL)
    return [p for p in problems.split("; ") if p] if found else []


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


def build_server(
    db: ReadOnlyDatabase,
    warnings: list[str] | None = None,
    cache: SchemaCache | None = None,
    uploads: UploadTables | None = None,
) -> MCPServer:
    """An MCPServer whose tools read from `db`; `warnings` (role problems) head its instructions;
    `cache` (default: none) caches list_tables and describe_table; `uploads` (default: none) adds the
    calling session's uploaded tables.

    Every tool's input schema is closed (`additionalProperties: false`): the tools take exactly their
    declared arguments, and an open schema cannot be converted for OpenAI strict function calling, so
    the Agents SDK would log `Error converting MCP schema to strict mode` on every run (it converts the
    tools per run) and send list_tables non-strict."""
    instructions = INSTRUCTIONS
    if warnings:
        instructions = UNSAFE_WARNING.format(problems="; ".join(warnings)) + " " + INSTRUCTIONS
    schema = Schema(db)
    cache = cache or SchemaCache(db, None)

    def uploaded(ctx: Context):
        """The calling session's uploaded tables, or None."""
        return uploads.for_session(session_of(ctx.request_context.meta)) if uploads is not None else None

    def list_tables(ctx: Context) -> str:
        """List the tables of the database with row counts, comments and column names. Call this first."""
        try:
            tables = cache.lookup("tables", schema.tables)
            session = uploaded(ctx)
            if session is not None:
                tables = [*tables, *session.tables()]
        except QueryError as exc:
            raise ToolError(str(exc)) from exc
        return json.dumps({"dialect": db.dialect, "tables": tables}, default=str)

    def describe_table(table: str, ctx: Context) -> str:
        """Describe one table: columns (name, type, nullable, primary key, and the distinct values of text
        columns that have only a few), foreign keys and row count."""
        try:
            session = uploaded(ctx)
            if session is not None and session.has(table):
                return json.dumps(session.describe(table), default=json_value)
            return json.dumps(cache.lookup(f"describe:{table}", lambda: schema.describe(table)), default=str)
        except QueryError as exc:
            raise ToolError(str(exc)) from exc

    def sample_rows(table: str, ctx: Context, limit: int = 5) -> str:
        """A few real rows of one table (limit 1-20), to see what the values look like."""
        try:
            session = uploaded(ctx)
            if session is not None and session.has(table):
                return json.dumps(session.sample_rows(table, limit), default=json_value)
            return json.dumps(schema.sample_rows(table, limit), default=str)
        except QueryError as exc:
            raise ToolError(str(exc)) from exc

    async def run_query(sql: str, ctx: Context) -> CallToolResult:
        """Run ONE read-only SQL statement (SELECT / WITH / EXPLAIN) and return JSON
        {"columns": [...], "rows": [[...]], "row_count": N, "truncated": bool}. The SQL is checked with a
        dry run (EXPLAIN) first; an error says what the database objected to: fix the SQL and call again.
        Aggregate in SQL (GROUP BY, ORDER BY ... LIMIT) instead of fetching raw rows; rows and output size
        are capped and `truncated: true` means rows were left out. A large result comes as its first
        rows plus `summary` and per-column `stats`; the user sees the whole table."""
        session = await anyio.to_thread.run_sync(uploaded, ctx)
        engine = session if session is not None and session.reads(sql) else db
        await ctx.report_progress(0, 2, "validating")
        try:
            await anyio.to_thread.run_sync(engine.validate, sql)
        except QueryError as exc:
            raise ToolError(f"the dry run (EXPLAIN) failed, so the query was not run: {exc}") from exc
        await ctx.report_progress(1, 2, "querying")
        try:
            result = (await anyio.to_thread.run_sync(engine.query, sql)).to_dict()
        except QueryError as exc:
            raise ToolError(str(exc)) from exc
        full = {"sql": sql, **result, "chart": suggest_chart(result["columns"], result["rows"])}
        text = json.dumps(for_model(result), default=json_value)
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=full)

    tools = []
    for fn in (list_tables, describe_table, sample_rows, run_query):
        tool = Tool.from_function(fn, annotations=READ_ONLY, structured_output=False)
        tool.parameters["additionalProperties"] = False
        tools.append(tool)
    return MCPServer("analytics", instructions=instructions, tools=tools)


def checked_role(db: ReadOnlyDatabase, allow_unsafe: bool) -> list[str]:
    """The role's problems (roles.py) when `allow_unsafe`; SystemExit naming them otherwise."""
    problems = role_problems(db)
    if problems and not allow_unsafe:
        raise SystemExit(
            "analytics: refusing to serve: the database role "
            + "; ".join(problems)
            + ". Connect as a read-only role (README: 'A read-only database role'), or set "
            "DATABASE_ALLOW_UNSAFE_ROLE=true to serve anyway with a warning."
        )
    for problem in problems:
        log.warning("analytics: the database role %s (DATABASE_ALLOW_UNSAFE_ROLE is set)", problem)
    return problems


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)  # the mcp library's INFO is per request
    log.setLevel(logging.INFO)
    try:
        db = ReadOnlyDatabase(
            database_url_from_env(),
            max_rows=int(os.environ.get("QUERY_MAX_ROWS", "200")),
            timeout_s=float(os.environ.get("QUERY_TIMEOUT_S", "10")),
            max_bytes=int(os.environ.get("QUERY_MAX_BYTES") or DEFAULT_MAX_BYTES),
        )
        allow = os.environ.get("DATABASE_ALLOW_UNSAFE_ROLE", "").strip().lower() in ("1", "true", "yes")
        warnings = checked_role(db, allow)
    except QueryError as exc:
        raise SystemExit(f"analytics: cannot serve: {exc}") from exc
    cache = SchemaCache.from_url(db, os.environ.get("REDIS_URL") or None)
    uploads = UploadTables.from_env(max_rows=db.max_rows, timeout_s=db.timeout_s, max_bytes=db.max_bytes)
    try:
        build_server(db, warnings, cache, uploads).run("stdio")
    finally:
        log.info(
            "analytics: schema cache %s hits, %s misses (hit rate %.0f%%)",
            cache.hits,
            cache.misses,
            cache.hit_rate * 100,
        )
        cache.close()
        uploads.close()
        db.close()
