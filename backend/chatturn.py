"""Starting a chat turn, the steps both chat routes and the OpenAI-compatible route share once the
stream slot is held: capacity (503), whether the agent's model reads the question's images and files
(422, backend/messageparts.py), the turn a regenerate / edit replaces (404/409/422), SUBSCRIBE the
task channel, the enqueue transaction (404/409 on the session). Subscribing before the task exists on
the queue means even a worker that answers at once cannot publish before we listen.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import Request
from opentelemetry.trace import SpanKind
from redis.exceptions import RedisError

from backend.branching import question_for
from backend.capacity import Admission
from backend.errors import ApiError
from backend.messageparts import check_inputs
from backend.schemas import ChatRequest
from backend.streamopening import StreamOpening
from backend.taskstore import Enqueued, TaskStore
from contract import ChatTask, logfields, tracing
from contract.agents import DEFAULT_AGENT

log = logging.getLogger(__name__)


QUEUED_AS = {"reject": "reject", "enqueue": "enqueue", "interrupt": "enqueue"}
"""How a turn waits behind the session's active run: "interrupt" queues like "enqueue" (the task's own
rule, which the event log's promotion applies), then cancels the run it waits behind."""


def unknown_agent(name: str, offered: dict) -> ApiError:
    """422 naming the agents the live workers run."""
    names = sorted(offered)
    return ApiError(
        422, f"unknown agent '{name}' (agents: {', '.join(names) or 'none live'})", extra={"agents": names}
    )


def events_url(task_id: str) -> str:
    return f"/ai/api/tasks/{task_id}/events"


async def start_turn(
    request: Request,
    owner: str,
    body: ChatRequest,
    tasks: TaskStore,
    admission: Admission,
    opening: StreamOpening,
) -> tuple[ChatTask, Enqueued]:
    """The steps after the stream slot: capacity, the replaced turn, subscribe, enqueue."""
    with tracing.tracer(__name__).start_as_current_span("chat turn", kind=SpanKind.PRODUCER) as span:
        capacity = await admission.check()
        if body.agent is not None and body.agent not in capacity.agents:
            raise unknown_agent(body.agent, capacity.agents)
        await check_inputs(tasks.redis, body, capacity.agents)
        message, parts, replaces = await question_for(tasks.redis, tasks, owner, body)
        task = ChatTask(
            session_id=body.session_id or uuid.uuid4().hex,
            owner=owner,
            message=message,
            parts=parts,
            request_id=getattr(request.state, "request_id", ""),
            on_disconnect=body.on_disconnect,
            multitask="reject" if replaces else QUEUED_AS[body.multitask],
            replaces=replaces,
            agent=body.agent or DEFAULT_AGENT,
            trace=tracing.carrier(),
        )
        logfields.task_id.set(task.task_id)
        span.set_attribute("agent_stream.task_id", task.task_id)
        logfields.session_id.set(task.session_id)
        await opening.listen(task.task_id)
        enqueued = await tasks.enqueue(task, new_session=body.session_id is None, agent=body.agent)
        task = enqueued.task  # a continued session's agent
        log.info("task enqueued", extra={"fields": {"on_disconnect": task.on_disconnect}})
        if body.multitask == "interrupt" and enqueued.queued_behind:
            await _interrupt(tasks, enqueued.queued_behind)
    return task, enqueued


def task_headers(task: ChatTask, admitted: dict[str, str]) -> dict[str, str]:
    return {
        "X-Task-ID": task.task_id,
        "X-Session-ID": task.session_id,
        "Content-Location": events_url(task.task_id),
        **admitted,
    }


async def cancel_left(tasks: TaskStore, task_id: str) -> None:
    """The client of a turn sent with "on_disconnect": "cancel" went away: cancel the run."""
    try:
        record = await tasks.get(task_id)
        if record is not None:
            status = await tasks.cancel(task_id, record)
            log.info("client left: cancel requested (%s)", status)
    except (RedisError, OSError) as exc:
        log.warning("client left: cancel failed: %s", exc)


async def _interrupt(tasks: TaskStore, active: str) -> None:
    """Cancel the run a new turn was queued behind; its terminal event promotes the new turn."""
    record = await tasks.get(active)
    if record is not None and not record.finished:
        status = await tasks.cancel(active, record)
        log.info(
            "interrupted the session's active run (%s)", status, extra={"fields": {"interrupted": active}}
        )
