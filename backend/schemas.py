"""Request and response bodies of the HTTP API (the SSE event shapes live in contract)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from backend.feedback import Feedback
from backend.limits import RefusedLimit
from contract import ChatTask
from contract.agents import AGENT_NAME_PATTERN
from contract.parts import MessagePart
from contract.transcript import TranscriptMessage

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SessionId = Annotated[str, Field(pattern=SESSION_ID_PATTERN)]
TASK_ID_PATTERN = r"^[0-9a-f]{32}$"
"""What ChatTask mints (uuid4 hex), so anything else is refused (422) before it reaches Redis."""
TaskId = Annotated[str, Field(pattern=TASK_ID_PATTERN)]
AgentName = Annotated[str, Field(pattern=AGENT_NAME_PATTERN)]


class ChatRequest(BaseModel):
    """POST /ai/api/chat/stream and POST /ai/api/chat."""

    model_config = ConfigDict(extra="ignore")

    message: str | None = None
    """The user's question (not blank; at most MAX_MESSAGE_CHARS, else 413). Required, except with
    `parts` (exactly one of the two) or `regenerate` (which asks the replaced turn's question again)."""
    parts: list[MessagePart] | None = None
    """The question as parts, in place of `message`: text, images (a data URL or an https URL) and files
    (base64), after OpenAI's input parts (contract/parts.py). At most MAX_PARTS (else 422), each image or
    file at most PART_MAX_BYTES and all of them PARTS_MAX_BYTES (else 413); an image or a file for an
    agent whose model reads only text is a 422."""
    session_id: SessionId | None = None
    """Continue this conversation; null starts a new one."""
    on_disconnect: Literal["continue", "cancel"] = "continue"
    """What happens to the run when this response's client goes away before the end."""
    agent: AgentName | None = None
    """The agent to answer (GET /ai/api/agents lists them); null: the session's, or the default for a
    new one. A continued session keeps its agent: naming another is a 422."""
    multitask: Literal["reject", "enqueue", "interrupt"] = "reject"
    """A second message while the session's run is active: 409; queue it behind the run; or cancel the
    run (its turn stays as the partial answer it was) and start this one as soon as it has stopped."""

    regenerate: TaskId | None = None
    """Task id of a turn of `session_id`: ask its question again; the new answer replaces it (and
    every later turn), the old answer stays as an earlier version."""
    edit: TaskId | None = None
    """Task id of a turn of `session_id`: replace its question with `message` and answer that; the
    history is cut at that turn, the old question and answer stay as an earlier version."""

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("message must not be empty")
        return value

    @model_validator(mode="after")
    def _branch(self) -> ChatRequest:
        if self.regenerate and self.edit:
            raise ValueError("regenerate and edit exclude each other")
        if (self.regenerate or self.edit) and not self.session_id:
            raise ValueError("regenerate and edit need the session_id of the turn")
        if self.message is not None and self.parts is not None:
            raise ValueError("send either message or parts, not both")
        if self.parts is not None and not self.parts:
            raise ValueError("parts must not be empty")
        if self.parts is not None and self.regenerate:
            raise ValueError("regenerate asks the turn's own question again: it takes no parts")
        if self.message is None and self.parts is None and not self.regenerate:
            raise ValueError("message (or parts) is required")
        return self

    @property
    def replaces(self) -> str | None:
        return self.regenerate or self.edit


class TaskState(BaseModel):
    """GET /ai/api/tasks/{id}."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    task_id: str
    status: str
    attempts: int = 0
    session_id: str | None = None
    created_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    worker: str | None = None
    cancel_requested: bool = False
    message: str | None = None
    """The task's question, so another tab that joins a running task can show it."""
    replaces: str | None = None
    """Regenerate / edit: the task id of the turn this task replaces."""
    events_url: str


class CancelResult(BaseModel):
    task_id: str
    status: str


class ApprovalDecision(BaseModel):
    """POST /ai/api/tasks/{id}/approvals/{approval_id}: a person's answer to an `approval_required`."""

    approve: bool
    message: str | None = Field(default=None, max_length=500)
    """For a rejection, why (the model is told it)."""


class ApprovalResult(BaseModel):
    task_id: str
    approval_id: str
    status: Literal["resumed", "recorded"]
    """resumed: that was the last decision the paused run waited for, and it is queued again;
    recorded: other approvals of the same pause are still undecided."""


def timestamp(value: str | None) -> float | None:
    """A stored epoch-seconds field ("" or garbage → None)."""
    try:
        return float(value) if value else None
    except ValueError:
        return None


def asked(payload: str | None) -> dict[str, str | None]:
    """`message` and `replaces` of a task hash's ChatTask payload (empty if unreadable)."""
    try:
        task = ChatTask.model_validate_json(payload or "")
    except ValidationError:
        return {}
    return {"message": task.message, "replaces": task.replaces or None}


TITLE_MAX_CHARS = 200
COMMENT_MAX_CHARS = 2000


class RenameRequest(BaseModel):
    """PATCH /ai/api/sessions/{id}: a new title (trimmed; 1..200 characters)."""

    title: str

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("title must not be empty")
        if len(value) > TITLE_MAX_CHARS:
            raise ValueError(f"title must be at most {TITLE_MAX_CHARS} characters")
        return value


class FeedbackRequest(BaseModel):
    """PUT /ai/api/sessions/{id}/feedback/{task_id}: thumbs up or down, optional comment."""

    rating: Literal["up", "down"]
    comment: str = Field(default="", max_length=COMMENT_MAX_CHARS)


# Response bodies of routes that build their JSON as dicts. They are declared on the routes as
# documented responses (`responses={200: {"model": ...}}`), so the OpenAPI document (and the UI's
# generated types) describe exactly what is sent, while the routes keep serialising their dicts as
# they are. Every field is always present in the JSON, so the serialization schema marks all required.
_SENT = ConfigDict(json_schema_serialization_defaults_required=True)


class SessionSummary(BaseModel):
    """One conversation in GET /ai/api/sessions (and the body of PATCH /ai/api/sessions/{id})."""

    model_config = _SENT

    session_id: str
    title: str
    created_at: float | None
    updated_at: float | None
    message_count: int
    active_task: str | None
    """The task still answering in this session, if any."""
    agent: str
    """The agent the conversation is with (GET /ai/api/agents); a later chat in it keeps it."""


class SessionList(BaseModel):
    model_config = _SENT

    sessions: list[SessionSummary]


class SessionMatch(SessionSummary):
    match: str | None
    """The snippet that matched the query (null when the title did)."""


class SessionSearch(BaseModel):
    """GET /ai/api/sessions?q=: matching sessions; `searched` counts the sessions read, `truncated`
    says the owner has more than the search reads."""

    model_config = _SENT

    sessions: list[SessionMatch]
    searched: int
    truncated: bool


def _feedback_optional(schema: dict) -> None:
    schema["required"] = [name for name in schema.get("required", []) if name != "feedback"]


class SessionMessage(TranscriptMessage):
    """A transcript message as GET /ai/api/sessions/{id} sends it: assistant messages carry `feedback`
    (null when none was given); user messages have no `feedback` key."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True, json_schema_extra=_feedback_optional
    )

    feedback: Feedback | None = None


class SessionDetail(SessionSummary):
    messages: list[SessionMessage]


class ShareLink(BaseModel):
    """POST /ai/api/sessions/{id}/shares, and each item of GET /ai/api/shares."""

    model_config = _SENT

    share_id: str
    session_id: str
    title: str
    created_at: float
    expires_at: float | None
    url: str
    """The UI's read-only view, relative to the origin."""


class ShareList(BaseModel):
    model_config = _SENT

    shares: list[ShareLink]


class SharedConversation(BaseModel):
    """GET /ai/api/shared/{id} (no key): a snapshot, without owner, session id or feedback."""

    model_config = _SENT

    share_id: str
    title: str
    shared_at: float
    messages: list[TranscriptMessage]


class Refusal(BaseModel):
    """The body of a 429: which limit the request hit (Retry-After says when to try again)."""

    model_config = _SENT

    detail: str
    limit: RefusedLimit


class UiConfig(BaseModel):
    """GET /ai/api/ui-config (no key)."""

    model_config = _SENT

    api_key_hint: str | None
    tokens: bool
    demo_token: str | None
    upload_max_bytes: int
    """The largest file the composer attaches as a table (UPLOAD_MAX_BYTES)."""


class Health(BaseModel):
    """GET /ai/api/health (200, or 503 when Redis is unreachable: then only the first four fields).
    With Redis up it also reports `warnings`, `schema_cache`, `capacity` and `workers` (see the route)."""

    model_config = ConfigDict(extra="allow")

    status: Literal["healthy", "degraded", "unhealthy"]
    redis_status: str
    version: str
    protocol: int
    models: list[str] = []
    """The model providers the live workers serve."""
    workers_alive: int = 0
    queue_depth: int = 0
    warnings: list[str] = []
