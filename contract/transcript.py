"""Display form of a conversation, written by the worker when a turn ends, read by the sessions API.

The SDK's RedisSession keeps what the *model* must see; this list keeps what a *person* must see
(tool steps with their SQL and full result tables (`ToolStep.data`), stopped/failed answers), so the UI can restore a
session without parsing SDK items.

Branches (regenerate / edit-and-resend, `branch`): replacing turn k cuts the transcript at k's question;
the replaced answer becomes an earlier version of the new turn k (`TranscriptMessage.versions`), and
that version keeps the turns that followed it (`TurnVersion.tail`, each with its own versions). So the
transcript is a tree whose current path is the top-level list: the newest version of every turn.
Why a tail on the version and not a tree of nodes with parent ids: the current branch stays a plain
list (what the sessions API, search, the model history and every reader already walk), and a switch to
an earlier version needs nothing but that version (the branch as it was is stored whole under it).
Why the tail is display only: the model history (agent_service/execution/history.py) holds the
current branch alone, cut at the replaced turn's start, so an earlier branch is read, never continued
(the gateway refuses to replace a turn that is on one: backend/branching.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
    """One replaced version of a turn: the question as it was then, its answer, and the turns after it."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    question: str
    answer: TranscriptMessage
    tail: list[TranscriptMessage] = Field(default_factory=list)
    """The messages that followed this version when it was replaced (user and assistant, oldest first,
    each answer with its own versions): that branch of the conversation as it was. Read-only: the model
    history keeps only the current branch. Empty when nothing followed (regenerating the last answer)."""


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


@dataclass(frozen=True)
class Branch:
    """Where a regenerate / edit turn goes: `Turn.cut` and the new answer's `versions`."""

    cut: int = -1
    versions: list[TurnVersion] = field(default_factory=list)


def branch(messages: Sequence[TranscriptMessage | None], replaces: str) -> Branch:
    """The branch rule: the turn of task `replaces` is cut from the transcript with everything after
    it, and the new answer inherits the replaced answer's earlier versions, then the replaced answer
    itself as a version with the question it answered and the messages that followed it (its tail).

    `messages` is the transcript as stored, None for an entry that could not be read (left out of the
    tail). Branch() (append at the end) when `replaces` is empty or its question is no longer there;
    no versions when its answer is missing."""
    for index, message in enumerate(messages):
        if not replaces or message is None or message.role != "user" or message.task_id != replaces:
            continue
        answer = messages[index + 1] if index + 1 < len(messages) else None
        if answer is None or answer.role != "assistant" or answer.task_id != replaces:
            return Branch(cut=index, versions=[])
        tail = [m for m in messages[index + 2 :] if m is not None]
        replaced = TurnVersion(
            question=message.text, answer=answer.model_copy(update={"versions": []}), tail=tail
        )
        return Branch(cut=index, versions=[*answer.versions, replaced])
    return Branch()
