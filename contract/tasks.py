"""What the gateway enqueues, and the task record both services read and write.

The queue carries the immutable `ChatTask` JSON (LREM needs the exact bytes back, so it is never
rewritten); everything that changes (status, attempts, worker, cancel flag) lives in the task hash
`keys.task(id)` under the field names below, read back as a `TaskRecord`.

The queue-timeout rule lives here too, because the gateway's watchdog (backend/taskstore.py), its
admission (the queue head's age, backend/capacity.py) and the workers' reaper
(agent_service/delivery/reaper.py) must agree on it: a task has been queued since its `queued_at`,
else its `created_at`, and it is late once `now - since >= QUEUE_TIMEOUT_S` (`queue_timed_out`).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from contract import keys
from contract.agents import DEFAULT_AGENT
from contract.parts import MessagePart


class TaskStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    AWAITING_APPROVAL = "awaiting_approval"
    """Paused until a person approves or rejects a tool call (contract/approvals.py); no worker holds it."""

    @property
    def finished(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)


_FINISHED = frozenset(status.value for status in TaskStatus if status.finished)

# terminal event type -> final status
STATUS_FOR_TERMINAL = {
    "complete": TaskStatus.COMPLETED,
    "error": TaskStatus.FAILED,
    "cancelled": TaskStatus.CANCELLED,
}


class ChatTask(BaseModel):
    """One chat turn to run. Serialized once by the gateway; workers treat the bytes as opaque ids."""

    task_id: str
    """Minted in the session's Redis Cluster slot when not given (keys.task_id_for)."""
    session_id: str
    owner: str
    """Opaque id of the API key that created the task (a hash, never the key)."""
    message: str
    """The question; for a message sent as `parts`, its readable text (contract/parts.py `question_text`)."""
    parts: list[MessagePart] = Field(default_factory=list)
    """A message sent as parts (text, image, file), whole: the worker sends these to the model, not
    `message`. Empty for a plain message."""
    request_id: str = ""
    created_at: float = Field(default_factory=time.time)
    on_disconnect: Literal["continue", "cancel"] = "continue"
    multitask: Literal["reject", "enqueue"] = "reject"
    agent: str = DEFAULT_AGENT
    """The agent that answers (contract/agents.py); the session's, unless the chat named one."""
    trace: dict[str, str] = Field(default_factory=dict)
    """The W3C trace context of the gateway's span (`traceparent`, `tracestate`): the worker's spans join
    the chat's trace (contract/tracing.py). Empty when tracing is off."""
    replaces: str = ""
    """Regenerate / edit: the task id of the turn this run replaces. The worker cuts the model history
    back to where that turn started (keys.session_marks) and the transcript at its question; the
    replaced answer stays on the new one as an earlier version (TranscriptMessage.versions)."""
    resume: str = ""
    """The pause this delivery resumes (keys.task_pause, PauseField.PAUSE_ID): the gateway enqueues the
    task again with it once every approval of that pause is decided. A payload whose `resume` is not
    the task's current pause (TaskField.PAUSE) is a stale copy, and dropped."""

    @model_validator(mode="before")
    @classmethod
    def _mint_task_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and "task_id" not in data and isinstance(data.get("session_id"), str):
            return {"task_id": keys.task_id_for(data["session_id"]), **data}
        return data


def task_id_of(payload: str) -> str | None:
    """The task id of a queued payload (ChatTask JSON), or None for anything that is not one."""
    try:
        return ChatTask.model_validate_json(payload).task_id
    except ValidationError:
        return None


class TaskField:
    """Field names of the task hash `keys.task(task_id)`."""

    STATUS = "status"
    OWNER = "owner"
    SESSION_ID = "session_id"
    REQUEST_ID = "request_id"
    PAYLOAD = "payload"  # the ChatTask JSON exactly as enqueued
    CREATED_AT = "created_at"
    QUEUED_AT = "queued_at"
    """When the task last entered agent:tasks: the gateway's enqueue, or the event log promoting it from
    the session queue (Redis TIME). Queue-timeout watchdogs measure from here (fallback created_at), so a
    follow-up that waited behind its session's active run is not failed the moment it is promoted."""
    STARTED_AT = "started_at"
    FINISHED_AT = "finished_at"
    ATTEMPTS = "attempts"
    WORKER = "worker"
    CANCEL = "cancel"  # "1" once a cancel was requested
    HISTORY_LEN = "history_len"  # model-history length before the first attempt (retries rewind to it)
    TRANSCRIBED = "transcribed"  # "1" once the worker wrote the turn's transcript (written once)
    PAUSE = "pause"  # the id of the task's latest pause for approval (ChatTask.resume names it)


def queue_timed_out(since: float, now: float, timeout_s: float) -> bool:
    """The queue timeout: waited `timeout_s` or longer since `since` (same clock as `now`). The
    gateway's watchdogs bound a silent stream's wait by the same rule (backend/ticker.py)."""
    return now - since >= timeout_s


def _seconds(value: str | None) -> float | None:
    """A stored epoch-seconds field ("" or garbage → None)."""
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _count(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """The task hash as both services read it: parsed once from HGETALL, or from HMGET of the fields
    a reader needs (`from_values`); a field the reply lacks keeps its default."""

    status: str = ""
    owner: str = ""
    session_id: str = ""
    request_id: str = ""
    payload: str = ""
    created_at: float | None = None
    queued_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    attempts: int = 0
    worker: str = ""
    cancel: bool = False
    pause: str = ""

    @classmethod
    def parse(cls, fields: Mapping[str, str | None]) -> TaskRecord | None:
        """The record of an HGETALL reply; None for a missing hash (no field has a value)."""
        raw = {name: value for name, value in fields.items() if value is not None}
        if not raw:
            return None
        return cls(
            status=raw.get(TaskField.STATUS, ""),
            owner=raw.get(TaskField.OWNER, ""),
            session_id=raw.get(TaskField.SESSION_ID, ""),
            request_id=raw.get(TaskField.REQUEST_ID, ""),
            payload=raw.get(TaskField.PAYLOAD, ""),
            created_at=_seconds(raw.get(TaskField.CREATED_AT)),
            queued_at=_seconds(raw.get(TaskField.QUEUED_AT)),
            started_at=_seconds(raw.get(TaskField.STARTED_AT)),
            finished_at=_seconds(raw.get(TaskField.FINISHED_AT)),
            attempts=_count(raw.get(TaskField.ATTEMPTS)),
            worker=raw.get(TaskField.WORKER, ""),
            cancel=raw.get(TaskField.CANCEL) == "1",
            pause=raw.get(TaskField.PAUSE, ""),
        )

    @classmethod
    def from_values(cls, names: Iterable[str], values: Iterable[str | None]) -> TaskRecord | None:
        """The record of an HMGET reply for `names`."""
        return cls.parse(dict(zip(names, values, strict=True)))

    @property
    def finished(self) -> bool:
        return self.status in _FINISHED

    def queued_since(self, default: float = 0.0) -> float:
        """When the task last entered agent:tasks: `queued_at`, else `created_at`, else `default`."""
        return self.queued_at or self.created_at or default

    def queue_expired(self, now: float, timeout_s: float, default: float = 0.0) -> bool:
        """Waited in agent:tasks for QUEUE_TIMEOUT_S (`timeout_s`) or longer (epoch seconds)."""
        return queue_timed_out(self.queued_since(default), now, timeout_s)


class SessionField:
    """Field names of the session hash `keys.session(session_id)`."""

    OWNER = "owner"
    TITLE = "title"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    MESSAGE_COUNT = "message_count"
    ACTIVE_TASK = "active_task"
    AGENT = "agent"


class ControlCommand(BaseModel):
    """Published on keys.CONTROL_CHANNEL; every worker hears it, the one running the task acts."""

    action: Literal["cancel"]
    task_id: str
