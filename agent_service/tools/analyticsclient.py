"""The worker's client of the bundled analytics MCP server: a supervised `ToolServer` (tools/supervisor.py)
over a stdio subprocess (`python -m agent_service.tools.analytics`, params from `mcp_params`), plus what
only the analytics tools have.

- Resending: the analytics tools are read-only and idempotent, so a call whose server died under it is
  sent again to the replacement (`resend_calls`); a dying server costs the run nothing but the wait.
- A run_query call is counted against its run's SQL_MAX_RETRIES (queryattempts.py; runscope.py says how
  a call finds its run), and the server's progress ("querying" once its dry run passed) becomes the
  run's progress event.
- `custom_data_extractor` also carries run_query's structured content (the whole result, which the
  model does not get: it reads the text content) to the translator's DataEvent.
- Each call carries the run's session in its MCP request `_meta` (SESSION_META_KEY, set by the SDK's
  `tool_meta_resolver` from the run's scope), so the server shows that session's uploaded tables and no
  other's (tools/analytics/uploads.py); the model cannot set `_meta`.
- `role_warnings` holds what the server announced about an unsafe database role
  (DATABASE_ALLOW_UNSAFE_ROLE), for the worker's heartbeat.
- Why one server per worker, not a pool: measured on this 2-core host (list_tables + a GROUP BY
  run_query mix against the sample database, one caller process), one server answers ≈ 109 calls/s from
  1 caller, ≈ 150 calls/s from 8 and stays there (32 callers: 149/s, p99 378 ms; 128: 152/s, p99 1.4 s;
  512: 138/s, p99 6.4 s) — past 8 concurrent calls only the latency grows. Two servers behind one
  worker reached 177–234 calls/s at 8–32 callers but fell back to 169/s at 128, because the host's two
  cores are shared with the worker and the gateway. A demo chat makes two tool calls, so one server
  covers ≈ 75 new chats/s per worker process, above what the model side of a worker sustains. So: one
  server with bounded concurrency (MCP_MAX_INFLIGHT) and a queue in front.
"""

from __future__ import annotations

import logging
from typing import Any

from agent_service.config import Settings
from agent_service.execution.queryattempts import QueryAttempts
from agent_service.execution.runscope import current_scope
from agent_service.metrics import WorkerMetrics
from agent_service.tools.analytics.server import role_warnings
from agent_service.tools.analytics.uploads import SESSION_META_KEY
from agent_service.tools.catalog import ANALYTICS_SERVER
from agent_service.tools.connection import ToolConnection
from agent_service.tools.stdio import stdio_client
from agent_service.tools.supervisor import ToolServer

log = logging.getLogger(__name__)

QUERY_TOOL = "run_query"


def session_meta(_context: Any) -> dict[str, Any] | None:
    """The `_meta` of a tool call: the session of the run it belongs to (None outside a run)."""
    scope = current_scope()
    return {SESSION_META_KEY: scope.sink.session_id} if scope is not None else None


class AnalyticsServer(ToolServer):
    resend_calls = True

    def __init__(self, settings: Settings, params: dict[str, Any], metrics: WorkerMetrics | None = None):
        make = stdio_client(ANALYTICS_SERVER, params, settings.mcp_timeout_s)
        super().__init__(ANALYTICS_SERVER, make, settings, metrics)
        self._attempts = QueryAttempts(settings.sql_max_retries)
        self.role_warnings: list[str] = []
        """Role problems the live server announced (it serves anyway: DATABASE_ALLOW_UNSAFE_ROLE)."""
        self.tool_meta_resolver = session_meta

    def _result_data(self, ctx: Any) -> dict[str, Any]:
        data = super()._result_data(ctx)
        if ctx.tool_name == QUERY_TOOL and not ctx.is_error and ctx.structured_content:
            data["data"] = dict(ctx.structured_content)
        return data

    def _installed(self, conn: ToolConnection) -> None:
        self.role_warnings = role_warnings(conn.instructions)
        for warning in self.role_warnings:
            log.warning("the analytics database role %s (DATABASE_ALLOW_UNSAFE_ROLE is set)", warning)

    async def _call_tool(self, tool_name: str, arguments: dict[str, Any] | None, meta):
        scope = current_scope() if tool_name == QUERY_TOOL else None
        if scope is None:
            return await super()._call_tool(tool_name, arguments, meta)
        refusal = self._attempts.refusal(scope)
        if refusal is not None:
            return refusal

        async def progress(done: float, total: float | None, message: str | None) -> None:
            if message == "querying":
                scope.progress_soon("querying", f"Running the query (attempt {scope.sql_attempt})")

        async with self._slots:
            result = await self._on_live(tool_name, lambda c: c.call(tool_name, arguments, meta, progress))
        return self._attempts.counted(scope, result)
