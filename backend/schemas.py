"""Request and response bodies of the HTTP API (the SSE event shapes live in backend.contract)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from backend.contract import ChatTask

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SessionId = Annotated[str, Field(pattern=SESSION_ID_PATTERN)]


class ChatRequest(BaseModel):
    """POST /ai/api/chat/stream."""

    model_config = ConfigDict(extra="ignore")

    message: str | None = None
    """The user's question (not blank; at most MAX_MESSAGE_CHARS, else 413). Required, except with
    `regenerate` (which asks the replaced turn's question again)."""
    session_id: SessionId | None = None
    """Continue this conversation; null starts a new one."""
    on_disconnect: Literal["continue", "cancel"] = "continue"
    """What happens to the run when this response's client goes away before the end."""
    multitask: Literal["reject", "enqueue"] = "reject"
    """A second message while the session's run is active: 409, or queue it behind the run."""

    regenerate: SessionId | None = None
    """Task id of a turn of `session_id`: ask its question again; the new answer replaces it (and
    every later turn), the old answer stays as an earlier version."""
    edit: SessionId | None = None
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
        if self.message is None and not self.regenerate:
            raise ValueError("message is required")
        return self

    @property
    def replaces(self) -> str | None:
        return self.regenerate or self.edit


class TaskState(BaseModel):
    """GET /ai/api/tasks/{id}."""

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
