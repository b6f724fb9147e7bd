"""The task list MCP server: `add_task`, `list_tasks`, `update_task`, `complete_task`, `delete_task`.

Runs as its own process over stdio (`python -m agent_service.tools.tasks`), one per worker process, with
TASKS_DATABASE_URL (any SQLAlchemy URL) from `agent_service.tools.tasks.mcp_params`.

Why the caller is read from `_meta` and nowhere else: the owner must be the authenticated user the chat
task was made for, not whatever the model was talked into writing. The worker sets META_OWNER,
META_TASK and META_CALL on every call (client.py, through the Agents SDK's tool_meta_resolver); the
tools' input schemas have no owner argument and are closed (`additionalProperties: false`), so a model
that adds one has it refused by strict function calling, and the server ignores it anyway. A call
without an owner is refused. A write's idempotency key is "{task id}:{call id}" (store.py records it
with the change), so a redelivered call writes nothing twice.

The annotations tell the worker which tools write: anything not `read_only_hint` needs a person's
approval before it runs (client.py). Errors raise ToolError, whose message reaches the model as tool
output ("there is no task 4 in your list").
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp_types import ToolAnnotations

from agent_service.tools.tasks import META_CALL, META_OWNER, META_TASK
from agent_service.tools.tasks.store import TaskList, TaskListError

log = logging.getLogger("agent_service.tools.tasks")

INSTRUCTIONS = (
    "The caller's own task list. Tasks are numbered per user (1, 2, ...). list_tasks shows them; "
    "add_task, update_task, complete_task and delete_task change them (each change is approved by the user "
    "before it runs)."
)
READ = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
WRITE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
DESTROY = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
)


def _meta(ctx: Context) -> dict[str, Any]:
    return dict(ctx.request_context.meta or {})


def _owner(ctx: Context) -> str:
    owner = _meta(ctx).get(META_OWNER)
    if not isinstance(owner, str) or not owner:
        raise ToolError("no caller identity: the task list serves only calls the worker makes for a user")
    return owner


def _key(ctx: Context) -> str:
    meta = _meta(ctx)
    task, call = meta.get(META_TASK), meta.get(META_CALL)
    if not (isinstance(task, str) and task and isinstance(call, str) and call):
        raise ToolError("a change needs the chat task and tool call ids (its idempotency key)")
    return f"{task}:{call}"


def _run(action: Callable[[], Any]) -> str:
    try:
        return json.dumps(action())
    except TaskListError as exc:
        raise ToolError(str(exc)) from exc


def build_server(store: TaskList) -> MCPServer:
    """An MCPServer whose tools act on `store`, for the caller named in each request's `_meta`."""

    def list_tasks(ctx: Context) -> str:
        """List your tasks: number, title and whether each is done."""
        return _run(lambda: {"tasks": store.list(_owner(ctx))})

    def add_task(title: str, ctx: Context) -> str:
        """Add a task with this title to your list; it gets the next number."""
        return _run(lambda: store.add(_owner(ctx), title, _key(ctx)))

    def update_task(number: int, title: str, ctx: Context) -> str:
        """Change the title of your task `number`."""
        return _run(lambda: store.update(_owner(ctx), number, title, _key(ctx)))

    def complete_task(number: int, ctx: Context) -> str:
        """Mark your task `number` as done."""
        return _run(lambda: store.complete(_owner(ctx), number, _key(ctx)))

    def delete_task(number: int, ctx: Context) -> str:
        """Delete your task `number` from the list."""
        return _run(lambda: store.delete(_owner(ctx), number, _key(ctx)))

    tools = []
    for fn, hints in (
        (list_tasks, READ),
        (add_task, WRITE),
        (update_task, WRITE),
        (complete_task, WRITE),
        (delete_task, DESTROY),
    ):
        tool = Tool.from_function(fn, annotations=hints, structured_output=False)
        tool.parameters["additionalProperties"] = False
        tools.append(tool)
    return MCPServer("tasks", instructions=INSTRUCTIONS, tools=tools)


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    url = os.environ.get("TASKS_DATABASE_URL", "").strip()
    if not url:
        raise SystemExit("tasks: TASKS_DATABASE_URL is not set")
    store = TaskList(url)
    try:
        build_server(store).run("stdio")
    finally:
        store.close()
