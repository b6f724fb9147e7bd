"""The wire contract shared by the gateway (backend) and the workers (agent_service).

Only this package crosses the boundary: the worker imports `contract` and never `backend`; the
gateway never imports `agent_service`. It depends on pydantic, pydantic-settings, redis and the
standard library only.
"""

from contract import keys
from contract.eventlog import Appended, EventLog, LoggedEvent, peek
from contract.events import (
    ERROR_CODES,
    TERMINAL_TYPES,
    ApprovalRequiredEvent,
    CancelledEvent,
    ChartSuggestion,
    CompleteEvent,
    DataEvent,
    ErrorEvent,
    Event,
    EventAdapter,
    ProgressEvent,
    QueryData,
    RetryEvent,
    SessionEvent,
    TokenEvent,
    ToolEvent,
    ToolResultEvent,
    Usage,
    WorkflowStep,
    parse_event,
)
from contract.tasks import (
    STATUS_FOR_TERMINAL,
    ChatTask,
    ControlCommand,
    SessionField,
    TaskField,
    TaskRecord,
    TaskStatus,
    queue_timed_out,
    task_id_of,
)
from contract.transcript import ToolStep, TranscriptMessage, Turn, TurnVersion
from contract.workers import Capacity, WorkerBeat

PROTOCOL_VERSION = 1

__all__ = [
    "PROTOCOL_VERSION",
    "keys",
    "Appended",
    "EventLog",
    "LoggedEvent",
    "peek",
    "ERROR_CODES",
    "ApprovalRequiredEvent",
    "TERMINAL_TYPES",
    "CancelledEvent",
    "ChartSuggestion",
    "CompleteEvent",
    "DataEvent",
    "ErrorEvent",
    "Event",
    "EventAdapter",
    "RetryEvent",
    "SessionEvent",
    "TokenEvent",
    "ToolEvent",
    "ToolResultEvent",
    "Usage",
    "WorkflowStep",
    "ProgressEvent",
    "QueryData",
    "parse_event",
    "STATUS_FOR_TERMINAL",
    "ChatTask",
    "ControlCommand",
    "SessionField",
    "TaskField",
    "TaskRecord",
    "TaskStatus",
    "queue_timed_out",
    "task_id_of",
    "ToolStep",
    "TranscriptMessage",
    "Turn",
    "TurnVersion",
    "Capacity",
    "WorkerBeat",
]
