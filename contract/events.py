"""The events a task streams to its client, one typed model per `type` tag.

Shaped after openai-agents' stream_events.py: small models with a `type: Literal[...]` discriminator,
so producers and consumers filter on `event.type` and the JSON is self-describing. Every event carries
`task_id` and `seq` (0, 1, 2... contiguous per task); the SSE frame id is the seq, so a client resumes
with `Last-Event-ID: <seq>`.

Order for one task:
    session → (retry)? → (progress | tool → tool_result → data? | token)* → complete | error | cancelled
A tool call that needs a person's approval (the `tasks` agent's writes) pauses the run after its `tool`
event: `approval_required` (one per call waiting), then nothing until the decision (POST
/ai/api/tasks/{id}/approvals/{approval_id}); the run then goes on with the call's `tool_result` (its
output, or the rejection the model was told) from whichever worker resumes it, or ends with `error`
`approval_expired` when nobody decides within APPROVAL_TTL_S.
`progress` says where the agent is in its workflow (never terminal); `data` carries the full result of one
query for the client, right after the `tool_result` of the call that produced it (the model only got a
compact summary of it).
`session` is written by the gateway at enqueue time (seq 0); everything else by the worker that
runs the task, except terminal events for tasks no worker holds (cancel while queued, no worker,
attempts exhausted), which whoever detects them writes through the same atomic append (eventlog.py).
The concatenated `token` contents of the final attempt equal `complete.response`; a `retry` event
tells the client that a new attempt restarts the answer (discard partial text after it).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_serialization_defaults_required=True)

    task_id: str
    """The task this event belongs to."""
    seq: int = -1
    """Position in the task's event log, assigned when the event is appended (-1 before)."""

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL_TYPES  # type: ignore[attr-defined]


class SessionEvent(_Event):
    """First event of every task: the conversation it belongs to (new or continued)."""

    type: Literal["session"] = "session"
    session_id: str


class RetryEvent(_Event):
    """A new attempt restarts the answer (the previous worker died or handed the task back)."""

    type: Literal["retry"] = "retry"
    attempt: int
    message: str


class ToolEvent(_Event):
    """A tool call started."""

    type: Literal["tool"] = "tool"
    name: str
    arguments: dict[str, Any]
    call_id: str
    message: str
    """Human-readable step, e.g. 'Running SQL query'."""


class ToolResultEvent(_Event):
    """A tool call returned. `output` is parsed JSON when the tool returned JSON, else text."""

    type: Literal["tool_result"] = "tool_result"
    call_id: str
    name: str
    output: Any
    is_error: bool = False
    duration_ms: int = 0


class ApprovalRequiredEvent(_Event):
    """A tool call waits for a person's approval; the run is paused (no worker holds it) until every
    approval of the pause is decided, or ends with error `approval_expired` at `expires_at`."""

    type: Literal["approval_required"] = "approval_required"
    approval_id: str
    """What the decision names: POST /ai/api/tasks/{task_id}/approvals/{approval_id}."""
    call_id: str
    """The `tool` event of the call that waits."""
    tool: str
    arguments: dict[str, Any]
    message: str
    """The change in words, for the person deciding, e.g. 'Add the task “buy milk” to your list?'."""
    expires_at: float
    """Epoch seconds (Redis time) after which the request expires."""


class TokenEvent(_Event):
    """A piece of the answer (workers may coalesce several model deltas into one event)."""

    type: Literal["token"] = "token"
    content: str


ProgressStage = Literal["understanding", "exploring_schema", "querying", "validating", "answering"]


class ProgressEvent(_Event):
    """Where the agent is in its workflow: `step` counts the run's progress events (1, 2, ...), `total`
    is how many there will be when that is known (else None), `elapsed_ms` is since the run started."""

    type: Literal["progress"] = "progress"
    stage: ProgressStage
    step: int
    total: int | None = None
    elapsed_ms: int
    message: str


class ChartSuggestion(BaseModel):
    """How the client may chart a result: `kind` over the column `x`, one series per column in `y`."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    kind: Literal["bar", "line"]
    x: str
    y: list[str]


class QueryData(BaseModel):
    """The full result of one query for the client (also kept on the transcript's tool step)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    call_id: str
    name: str
    sql: str
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    """Rows the query returned (all of them are in `rows`; `truncated` says the caps cut the result)."""
    truncated: bool
    chart: ChartSuggestion | None = None


class _DataType(_Event):
    type: Literal["data"] = "data"


class DataEvent(QueryData, _DataType):
    """The full result of the call `call_id`, emitted right after its tool_result (the QueryData fields
    after `task_id`, `seq` and `type`, like every event)."""


class WorkflowStep(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    step: int
    name: str
    duration_ms: int


class Usage(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


class CompleteEvent(_Event):
    """Terminal: the run finished; `response` is the whole answer."""

    type: Literal["complete"] = "complete"
    response: str
    session_id: str
    workflow: list[WorkflowStep] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    tools: list[str] = Field(default_factory=list)
    duration_ms: int = 0


class ErrorEvent(_Event):
    """Terminal: the run failed. `code` is one of ERROR_CODES; `message` is safe to show a user."""

    type: Literal["error"] = "error"
    code: str
    message: str


class CancelledEvent(_Event):
    """Terminal: the run was cancelled on request (or because its client left with on_disconnect=cancel)."""

    type: Literal["cancelled"] = "cancelled"
    message: str = "Cancelled"


Event = Annotated[
    SessionEvent
    | RetryEvent
    | ToolEvent
    | ToolResultEvent
    | ApprovalRequiredEvent
    | TokenEvent
    | ProgressEvent
    | DataEvent
    | CompleteEvent
    | ErrorEvent
    | CancelledEvent,
    Field(discriminator="type"),
]
EventAdapter: TypeAdapter[Event] = TypeAdapter(Event)

TERMINAL_TYPES = frozenset({"complete", "error", "cancelled"})

ERROR_CODES = {
    "model_error": "The model failed to answer.",
    "tool_error": "A tool failed in a way the model could not recover from.",
    "max_turns": "The agent needed more steps than allowed.",
    "timeout": "The run took longer than TASK_TIMEOUT_S.",
    "no_worker": "No worker picked the task up within QUEUE_TIMEOUT_S.",
    "worker_lost": "The task's worker died and it could not be retried.",
    "max_attempts": "The task failed on every attempt (MAX_ATTEMPTS).",
    "unknown_agent": "The worker that took the task does not run its agent.",
    "approval_expired": "Nobody approved or rejected the action in time; nothing was changed.",
    "internal": "Unexpected error.",
}


def parse_event(raw: str | bytes) -> Event:
    return EventAdapter.validate_json(raw)
