"""Task status, resumable event streams and cancellation, owner-scoped.

GET /tasks/{id}/events answers 204 (not 404) for an unknown, expired or fully-read finished task:
per the HTML spec a 204 closes an EventSource for good, which is exactly what a client resuming a
finished task needs; another key's task answers 404 like any missing resource.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse
from starlette.responses import Response

from backend.auth import CurrentPrincipal, Owner
from backend.chatturn import events_url
from backend.deps import StreamsDep, TasksDep
from backend.errors import ApiError, not_found
from backend.schemas import (
    TASK_ID_PATTERN,
    ApprovalDecision,
    ApprovalResult,
    CancelResult,
    Refusal,
    TaskState,
    asked,
)
from backend.streamopening import StreamOpening
from contract import logfields
from contract.approvals import Decision

router = APIRouter(prefix="/ai/api/tasks", tags=["tasks"])
TaskId = Annotated[str, Path(pattern=TASK_ID_PATTERN)]
ApprovalId = Annotated[str, Path(pattern=TASK_ID_PATTERN)]  # minted like a task id (uuid4 hex)


def parse_last_event_id(header: str | None, query: str | None) -> int:
    """The header wins: a browser's automatic reconnect sends it on the original URL, whose query
    may still carry an older id."""
    raw = header if header not in (None, "") else query
    if raw in (None, ""):
        return -1
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, "Last-Event-ID must be an integer event seq") from None
    return max(value, -1)


@router.get("/{task_id}", response_model=TaskState)
async def get_task(task_id: TaskId, owner: Owner, tasks: TasksDep) -> TaskState:
    record = await tasks.owned(task_id, owner)
    return TaskState(
        task_id=task_id,
        status=record.status or "unknown",
        attempts=record.attempts,
        session_id=record.session_id or None,
        created_at=record.created_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        worker=record.worker or None,
        cancel_requested=record.cancel,
        **asked(record.payload),
        events_url=events_url(task_id),
    )


@router.get(
    "/{task_id}/events",
    response_model=None,
    status_code=200,
    responses={
        429: {
            "model": Refusal,
            "description": "Open-stream cap of the user or the key (`limit`: user_streams, key_streams)",
        }
    },
)
async def task_events(
    task_id: TaskId,
    principal: CurrentPrincipal,
    tasks: TasksDep,
    streams: StreamsDep,
    last_event_id: Annotated[str | None, Query(description="Resume after this seq")] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    """Join (or resume) a task's event stream: backlog from the log, then live, ending after the
    terminal event."""
    after = parse_last_event_id(last_event_id_header, last_event_id)
    logfields.task_id.set(task_id)
    record = await tasks.get(task_id)
    if record is None:
        return Response(status_code=204)
    if record.owner != principal.owner:
        raise not_found("Task")
    if record.finished:
        last = await streams.eventlog.last(task_id)
        if last is None or after >= last.seq:
            return Response(status_code=204)
    slot = await streams.slots.acquire(principal)  # in the user's and the key's stream sets
    async with StreamOpening(streams, slot) as opening:
        await opening.listen(task_id)
        return opening.stream(
            after_seq=after, headers={"X-Task-ID": task_id, "Content-Location": events_url(task_id)}
        )


_REFUSED = {
    "decided": "that approval was already decided",
    "expired": "the approval request expired",
    "closed": "the paused run was ended (expired or cancelled)",
}


@router.post(
    "/{task_id}/approvals/{approval_id}",
    response_model=ApprovalResult,
    responses={
        404: {"description": "Unknown task or approval"},
        409: {"description": "Decided, expired or ended"},
    },
)
async def decide_approval(
    task_id: TaskId, approval_id: ApprovalId, body: ApprovalDecision, owner: Owner, tasks: TasksDep
) -> ApprovalResult:
    """Approve or reject a tool call the run paused for (`approval_required`); once every approval of the
    pause is decided, the run is queued again and goes on on any worker (a rejected call is not run:
    the model is told it was rejected, with `message`)."""
    record = await tasks.owned(task_id, owner)
    if record.finished and record.pause:
        raise ApiError(409, "the task already ended")
    decision = Decision(approve=body.approve, message=body.message)
    outcome = await tasks.decide(record, approval_id, decision)
    if outcome == "unknown":
        raise not_found("Approval")
    if outcome in _REFUSED:
        raise ApiError(409, _REFUSED[outcome])
    return ApprovalResult(task_id=task_id, approval_id=approval_id, status=outcome)


@router.post("/{task_id}/cancel", response_model=CancelResult, responses={202: {"model": CancelResult}})
async def cancel_task(task_id: TaskId, owner: Owner, tasks: TasksDep) -> JSONResponse:
    """Cancel (idempotent): a queued task ends at once with `cancelled`; a running one is signalled
    to its worker. 202 while the cancel is in effect, 200 if the task had already finished."""
    record = await tasks.owned(task_id, owner)
    if record.finished:
        return JSONResponse({"task_id": task_id, "status": record.status}, status_code=200)
    status = await tasks.cancel(task_id, record)
    return JSONResponse({"task_id": task_id, "status": status}, status_code=202)
