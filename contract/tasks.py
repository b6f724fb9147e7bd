"""What the gateway enqueues, and the task record both services read and write.

The queue carries the immutable `ChatTask` JSON (LREM needs the exact bytes back, so it is never
rewritten); everything that changes (status, attempts, worker, cancel flag) lives in the task hash
`keys.task(id)` under the field names below.
"""

from __future__ import annotations

import enum
import time
import uuid
from typing import Literal

from pydantic import BaseModel, Field


class TaskStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)


# terminal event type -> final status
STATUS_FOR_TERMINAL = {
    "complete": TaskStatus.COMPLETED,
    "error": TaskStatus.FAILED,
    "cancelled": TaskStatus.CANCELLED,
}


class ChatTask(BaseModel):
    """One chat turn to run. Serialized once by the gateway; workers treat the bytes as opaque ids."""

    task_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    session_id: str
    owner: str
    """Opaque id of the API key that created the task (a hash, never the key)."""
    message: str
    request_id: str = ""
    created_at: float = Field(default_factory=time.time)
    on_disconnect: Literal["continue", "cancel"] = "continue"
    multitask: Literal["reject", "enqueue"] = "reject"
    replaces: str = ""
    """Regenerate / edit: the task id of the turn this run replaces. The worker cuts the model history
    back to where that turn started (keys.session_marks) and the transcript at its question; the
    replaced answer stays on the new one as an earlier version (TranscriptMessage.versions)."""


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


class SessionField:
    """Field names of the session hash `keys.session(session_id)`."""

    OWNER = "owner"
    TITLE = "title"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    MESSAGE_COUNT = "message_count"
    ACTIVE_TASK = "active_task"


class ControlCommand(BaseModel):
    """Published on keys.CONTROL_CHANNEL; every worker hears it, the one running the task acts."""

    action: Literal["cancel"]
    task_id: str
