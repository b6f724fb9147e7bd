"""Request and response bodies of the HTTP API (the SSE event shapes live in backend.contract)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SessionId = Annotated[str, Field(pattern=SESSION_ID_PATTERN)]


class ChatRequest(BaseModel):
    """POST /ai/api/chat/stream."""

    model_config = ConfigDict(extra="ignore")

    message: str
    """The user's question (not blank; at most MAX_MESSAGE_CHARS, else 413)."""
    session_id: SessionId | None = None
    """Continue this conversation; null starts a new one."""
    on_disconnect: Literal["continue", "cancel"] = "continue"
    """What happens to the run when this response's client goes away before the end."""
    multitask: Literal["reject", "enqueue"] = "reject"
    """A second message while the session's run is active: 409, or queue it behind the run."""

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message must not be empty")
        return value


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
