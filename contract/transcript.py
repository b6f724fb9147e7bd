"""Display form of a conversation, written by the worker when a turn ends, read by the sessions API.

The SDK's RedisSession keeps what the *model* must see; this list keeps what a *person* must see
(tool steps with their SQL and full result tables (`ToolStep.data`), stopped/failed answers), so the UI can restore a
session without parsing SDK items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contract.events import QueryData
from contract.parts import PartRecord


class ToolStep(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    call_id: str
    name: str
    message: str = ""
    """Human-readable step, as in ToolEvent.message ('Running SQL query')."""
    arguments: dict[str, Any] = Field(default_factory=dict)
    output: Any = None
    is_error: bool = False
    duration_ms: int = 0
    data: QueryData | None = None
    """The full result the step produced (the `data` event's content), so a reloaded conversation shows it."""


class TranscriptMessage(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    role: Literal["user", "assistant"]
    text: str
    task_id: str
    created_at: float
    status: Literal["completed", "failed", "cancelled"] | None = None
    """Assistant messages only: how the turn ended."""
    parts: list[PartRecord] = Field(default_factory=list)
    """User messages sent as parts only: a record of each (a text in full, an image or a file by type,
    name and size, never its data: contract/parts.py); `text` is then the question's readable text."""
    tools: list[ToolStep] = Field(default_factory=list)
    versions: list[TurnVersion] = Field(default_factory=list)
    """Assistant messages only: the earlier versions of this turn (regenerated or edited away), oldest
    first; the message itself is the newest. Each keeps the question it answered."""


class TurnVersion(BaseModel):
    """One replaced version of a turn: the question as it was then, and its answer."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    question: str
    answer: TranscriptMessage


TranscriptMessage.model_rebuild()


@dataclass(frozen=True)
class Turn:
    """One question and its answer, recorded by the very append that writes the task's terminal event
    (EventLog.append(..., turn=...)): whoever sees `complete` also finds the turn in the transcript."""

    user: TranscriptMessage
    assistant: TranscriptMessage
    owner: str
    ttl_s: int
    cut: int = -1
    """Regenerate / edit: the transcript index of the replaced turn's question; the append trims the
    transcript there before adding this turn (-1: append at the end)."""
