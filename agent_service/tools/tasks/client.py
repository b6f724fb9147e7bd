"""The worker's side of the task list server: its connection, and who each call is made for.

Why the owner is injected here: the SDK calls `tool_meta_resolver` before every MCP call with the run
context (RunContext: the task's owner and id, set by the worker from the authenticated task) and the
tool call's id (the resolver's run_context is the SDK's ToolContext). Whatever the model writes, its
arguments never reach this: a prompt naming another user's id cannot make a call act for that user.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.mcp import MCPToolMetaContext

from agent_service.config import Settings
from agent_service.metrics import WorkerMetrics
from agent_service.tools.supervisor import ToolServer
from agent_service.tools.tasks import META_CALL, META_OWNER, META_TASK, mcp_params

SERVER_NAME = "tasks"


def caller_meta(ctx: MCPToolMetaContext) -> dict[str, str]:
    """The `_meta` of a call: the run's owner and task id, and the call's id."""
    run = ctx.run_context
    context: Mapping[str, Any] = run.context if isinstance(run.context, Mapping) else {}
    return {
        META_OWNER: str(context.get("owner") or ""),
        META_TASK: str(context.get("task_id") or ""),
        META_CALL: str(getattr(run, "tool_call_id", "") or ""),
    }


def tasks_tool_server(settings: Settings, metrics: WorkerMetrics | None = None) -> ToolServer:
    """The supervised stdio connection to the task list server, with the caller injected."""
    return ToolServer(
        settings, mcp_params(settings), name=SERVER_NAME, metrics=metrics, tool_meta_resolver=caller_meta
    )
