"""POST /ai/api/chat/stream and POST /ai/api/chat: validate, admit, subscribe, enqueue, then stream the
events (SSE) or wait for the end and answer with JSON (backend/answer.py).

The order is the point:
  auth (401) → body (422, 413) → rate limits (429: the user's, then the key's) → queue depth (503)
  → stream slots (429: the user's, then the key's), these in one Redis round trip
  (backend/limits.py; it also yields the RateLimit-* headers) → capacity (503: no live worker, or the
  predicted wait for a slot is over ADMIT_MAX_WAIT_S; backend/capacity.py; a refusal here gives the
  slot back) → the turn a regenerate / edit replaces (404/409/422, backend/branching.py) →
  SUBSCRIBE the task channel → enqueue transaction (404/409 on the session) → stream (or wait).
Every refusal comes before the task is written: a chat that got its `session` event was accepted
with a wait the workers can meet, so busy never ends it with an error.
Subscribing before the task exists on the queue means even a worker that answers instantly cannot
publish before we listen, so the stream needs no first log read; should pub/sub lose a message
anyway, the ticker finds the log ahead of the stream and it re-reads (backend/stream.py). The first
frame, the `session` event the enqueue itself wrote, is sent at once rather than on its pub/sub echo.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from backend.answer import ChatAnswer, wait_for_answer
from backend.auth import CurrentPrincipal
from backend.chatturn import cancel_left, events_url, start_turn, task_headers
from backend.deps import AdmissionDep, SettingsDep, StreamsDep, TasksDep
from backend.messageparts import check_size
from backend.schemas import ChatRequest, Refusal
from backend.stream import TaskStream
from backend.streamopening import StreamOpening

log = logging.getLogger(__name__)


async def checked_body(body: ChatRequest, settings: SettingsDep) -> ChatRequest:
    check_size(body, settings)
    return body


router = APIRouter(prefix="/ai/api", tags=["chat"])

REFUSALS: dict[int | str, dict] = {
    401: {"description": "Missing or invalid API key"},
    404: {"description": "Unknown session or turn to regenerate / edit (or another owner's)"},
    409: {"description": "The session has an active run, or the turn cannot be replaced"},
    413: {"description": "Message too long, or an image or file (or all of them) over its size limit"},
    422: {
        "description": "Invalid body (malformed or too many parts), a regenerate / edit turn of another "
        "session, or an image or file for an agent whose model reads only text (`inputs` lists what it reads)"
    },
    429: {
        "model": Refusal,
        "description": "A rate limit or open-stream cap, of the user or of the API key: the body's "
        "`limit` says which (user_rate, key_rate, user_streams, key_streams); Retry-After",
    },
    503: {"description": "No capacity (queue full, no worker, wait too long) or Redis unavailable"},
}
"""What both chat routes answer before anything is enqueued (the order: this module's docstring)."""


@router.post(
    "/chat/stream",
    response_class=TaskStream,
    status_code=200,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The task's events as SSE"},
        **REFUSALS,
    },
)
async def chat_stream(
    request: Request,
    principal: CurrentPrincipal,
    body: Annotated[ChatRequest, Depends(checked_body)],
    streams: StreamsDep,
    tasks: TasksDep,
    admission: AdmissionDep,
) -> TaskStream:
    """Start a chat turn and stream its events (session first, one terminal event last)."""
    admitted = await streams.slots.admit(principal)
    async with StreamOpening(streams, admitted.slot) as opening:
        task, enqueued = await start_turn(request, principal.owner, body, tasks, admission, opening)
        task_id = task.task_id  # the closure lives as long as the stream: not the whole task

        async def cancel_on_disconnect() -> None:
            await cancel_left(tasks, task_id)

        headers = task_headers(task, admitted.headers)
        if enqueued.queued_behind:  # "multitask": "enqueue": it starts when this task ends
            headers["X-Queued-Behind"] = enqueued.queued_behind
        return opening.stream(
            backlog=False,
            headers=headers,
            on_client_close=cancel_on_disconnect if body.on_disconnect == "cancel" else None,
            first=enqueued.first_event,
        )


@router.post(
    "/chat",
    response_model=ChatAnswer,
    responses={
        **{code: REFUSALS[code] for code in (401, 404, 409, 413, 422, 429, 503)},
        504: {
            "description": "No answer within CHAT_WAIT_S: the task runs on; the body's `task_id` and "
            "`events_url` resume its events (or POST /ai/api/tasks/{task_id}/cancel)"
        },
    },
)
async def chat(
    request: Request,
    principal: CurrentPrincipal,
    body: Annotated[ChatRequest, Depends(checked_body)],
    streams: StreamsDep,
    tasks: TasksDep,
    admission: AdmissionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Start a chat turn and answer once it ended: the answer with its tool calls, query results,
    usage, workflow and timings (`status` says how it ended). Same admission as /chat/stream."""
    admitted = await streams.slots.admit(principal)
    async with StreamOpening(streams, admitted.slot) as opening:
        task, _enqueued = await start_turn(request, principal.owner, body, tasks, admission, opening)
        assert opening.listener is not None
        waiting = wait_for_answer(streams, opening.listener, task.session_id, settings.chat_wait_s)
        answer = await _unless_gone(request, asyncio.ensure_future(waiting))
    if answer is GONE:  # nobody reads this answer; with on_disconnect=cancel nobody wants the run either
        if body.on_disconnect == "cancel":
            await cancel_left(tasks, task.task_id)
        return Response(status_code=CLIENT_CLOSED)
    headers = task_headers(task, admitted.headers)
    if answer is None:
        late = {
            "detail": f"no answer within {settings.chat_wait_s:g} s; the task runs on",
            "task_id": task.task_id,
            "session_id": task.session_id,
            "events_url": events_url(task.task_id),
        }
        return JSONResponse(late, status_code=504, headers=headers)
    return JSONResponse(answer.model_dump(mode="json"), headers=headers)


GONE = object()
"""What _unless_gone returns when the client disconnected first."""
CLIENT_CLOSED = 499
"""The status recorded for an answer nobody was left to read (nginx's "client closed request")."""


async def _unless_gone(request: Request, waiting: asyncio.Future) -> ChatAnswer | None | object:
    """The answer, or GONE (the wait cancelled) when the client disconnects first: the request body is
    read, so the next ASGI message the server has for us is the disconnect."""

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    gone = asyncio.ensure_future(disconnected())
    try:
        done, _ = await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if waiting in done:
        return waiting.result()
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    return GONE
