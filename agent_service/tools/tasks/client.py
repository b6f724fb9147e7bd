"""The worker's side of the task list server: its supervised connection (`TasksServer`, one of the
worker's ToolServers, tools/servers.py), who each call is made for, and which calls a person approves
first. Both policies are the server's, set here once, so every agent that names the "tasks" server gets
them.

Why the owner is injected here: the SDK calls `tool_meta_resolver` before every MCP call with the run
context (RunContext: the task's owner and id, set by the worker from the authenticated task) and the
tool call's id (the resolver's run_context is the SDK's ToolContext). Whatever the model writes, its
arguments never reach this: a prompt naming another user's id cannot make a call act for that user.

Why approval follows the server's annotations: a tool the server does not mark `read_only_hint` may
change something, so it needs approval (the SDK's per-server `require_approval`, as a callable policy);
a new write tool is covered without a list to keep in step, and a tool without annotations is treated
as a write. `approval_message` is the sentence the person deciding reads (ApprovalRequiredEvent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.mcp import MCPToolMetaContext

from agent_service.config import Settings
from agent_service.metrics import WorkerMetrics
from agent_service.tools.catalog import TASKS_SERVER
from agent_service.tools.stdio import stdio_client
from agent_service.tools.supervisor import ToolServer
from agent_service.tools.tasks import META_CALL, META_OWNER, META_TASK, mcp_params


def caller_meta(ctx: MCPToolMetaContext) -> dict[str, str]:
    """The `_meta` of a call: the run's owner and task id, and the call's id."""
    run = ctx.run_context
    context: Mapping[str, Any] = run.context if isinstance(run.context, Mapping) else {}
    return {
        META_OWNER: str(context.get("owner") or ""),
        META_TASK: str(context.get("task_id") or ""),
        META_CALL: str(getattr(run, "tool_call_id", "") or ""),
    }


def writes_need_approval(run_context: Any, agent: Any, tool: Any) -> bool:
    annotations = getattr(tool, "annotations", None)
    return not (annotations is not None and annotations.read_only_hint)


_SENTENCES = {
    "add_task": "Add the task “{title}” to your list?",
    "update_task": "Rename task {number} to “{title}”?",
    "complete_task": "Mark task {number} as done?",
    "delete_task": "Delete task {number} from your list?",
}


def approval_message(tool: str, arguments: Mapping[str, Any]) -> str:
    """The change in words; a tool without a sentence of its own is named with its arguments."""
    try:
        return _SENTENCES[tool].format(**arguments)
    except (KeyError, IndexError, ValueError):
        shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
        return f"Run {tool.replace('_', ' ')}({shown})?"


class TasksServer(ToolServer):
    """The supervised stdio connection to the task list server: the caller injected, writes approved."""

    resend_calls = True
    """Its writes are idempotent on the chat task's and the tool call's ids (store.py)."""

    def __init__(self, settings: Settings, metrics: WorkerMetrics | None = None) -> None:
        super().__init__(
            TASKS_SERVER,
            stdio_client(TASKS_SERVER, mcp_params(settings), settings.mcp_timeout_s),
            settings,
            metrics,
            tool_meta_resolver=caller_meta,
            require_approval=writes_need_approval,
        )
