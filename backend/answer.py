"""POST /ai/api/chat's answer: follow the task's events to its terminal event, then build the whole answer.

The events come in order from backend/follower.py (live from the relay, gaps and lost messages filled
from the log), and the answer is assembled from them. A task that has not ended within CHAT_WAIT_S
gives None: the route answers 504 with the task id, and the task runs on (its events can be followed,
or it can be cancelled).

Timings are the gateway's own clock, from the moment the task was enqueued: `first_event_ms` (the first
event after `session`: a worker took the task), `first_token_ms` and `total_ms`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Literal

from pydantic import BaseModel, Field

from backend.follower import follow
from backend.relay import Listener
from backend.stream import StreamDeps
from contract import (
    CancelledEvent,
    CompleteEvent,
    DataEvent,
    ErrorEvent,
    Event,
    QueryData,
    TokenEvent,
    ToolEvent,
    ToolResultEvent,
    Usage,
    WorkflowStep,
)


class ToolCall(BaseModel):
    call_id: str
    name: str
    arguments: dict[str, Any]
    output: Any = None
    is_error: bool = False
    duration_ms: int = 0


class Timings(BaseModel):
    first_event_ms: int | None = None
    """Enqueue → the first event after `session` (a worker started the run)."""
    first_token_ms: int | None = None
    total_ms: int = 0


class AnswerError(BaseModel):
    code: str
    message: str


class ChatAnswer(BaseModel):
    """POST /ai/api/chat: a turn's whole answer, once it ended."""

    task_id: str
    session_id: str
    status: Literal["complete", "error", "cancelled"]
    response: str
    """The answer (`complete`), or the text streamed before an error or a cancel."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    data: list[QueryData] = Field(default_factory=list)
    """Each query's result, as the UI shows it (columns, rows, a chart suggestion)."""
    usage: Usage = Field(default_factory=Usage)
    workflow: list[WorkflowStep] = Field(default_factory=list)
    error: AnswerError | None = None
    timings: Timings


class _Clock:
    __slots__ = ("began", "first_event", "first_token")

    def __init__(self) -> None:
        self.began = time.monotonic()
        self.first_event: float | None = None
        self.first_token: float | None = None

    def saw(self, kind: str) -> None:
        now = time.monotonic()
        if self.first_event is None and kind != "session":
            self.first_event = now
        if self.first_token is None and kind == "token":
            self.first_token = now

    def timings(self) -> Timings:
        def ms(at: float | None) -> int | None:
            return None if at is None else round((at - self.began) * 1000)

        return Timings(
            first_event_ms=ms(self.first_event),
            first_token_ms=ms(self.first_token),
            total_ms=ms(time.monotonic()) or 0,
        )


async def wait_for_answer(
    deps: StreamDeps, listener: Listener, session_id: str, wait_s: float
) -> ChatAnswer | None:
    """The task's answer once its terminal event is in, or None after `wait_s`."""
    clock, events = _Clock(), []
    try:
        async with asyncio.timeout(wait_s), contextlib.aclosing(follow(deps, listener)) as followed:
            async for event in followed:
                if event is not None:
                    clock.saw(event.type)
                    events.append(event)
    except TimeoutError:
        return None
    return _assemble(listener.task_id, session_id, events, clock.timings())


def _assemble(task_id: str, session_id: str, events: list[Event], timings: Timings) -> ChatAnswer:
    calls: dict[str, ToolCall] = {}
    data: list[QueryData] = []
    text: list[str] = []
    answer = ChatAnswer(task_id=task_id, session_id=session_id, status="error", response="", timings=timings)
    for event in events:
        if isinstance(event, ToolEvent):
            calls[event.call_id] = ToolCall(call_id=event.call_id, name=event.name, arguments=event.arguments)
        elif isinstance(event, ToolResultEvent) and event.call_id in calls:
            call = calls[event.call_id]
            call.output, call.is_error, call.duration_ms = event.output, event.is_error, event.duration_ms
        elif isinstance(event, DataEvent):
            data.append(QueryData.model_validate(event.model_dump()))
        elif isinstance(event, TokenEvent):
            text.append(event.content)
        elif isinstance(event, CompleteEvent):
            answer.status, answer.response = "complete", event.response
            answer.usage, answer.workflow = event.usage, event.workflow
        elif isinstance(event, ErrorEvent):
            answer.error = AnswerError(code=event.code, message=event.message)
        elif isinstance(event, CancelledEvent):
            answer.status = "cancelled"
    if answer.status != "complete":
        answer.response = "".join(text)
    answer.tool_calls, answer.data = list(calls.values()), data
    return answer
