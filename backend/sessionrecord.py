"""The session hash `keys.session(s)` as the gateway reads it, parsed once from HGETALL.

Only the gateway reads it field by field (the workers reach it only through the event log's script,
contract/eventlog.py), so the record lives in the gateway; its field names are the contract's
(SessionField), which that script is handed too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from backend.schemas import timestamp
from contract import SessionField
from contract.agents import DEFAULT_AGENT


@dataclass(frozen=True, slots=True)
class SessionRecord:
    owner: str = ""
    title: str = ""
    created_at: float | None = None
    updated_at: float | None = None
    message_count: int = 0
    active_task: str = ""
    """The task holding the session's active-run slot ("" when none)."""
    agent: str = DEFAULT_AGENT
    """The agent the conversation is with (set when it started; older sessions: the default)."""

    @classmethod
    def parse(cls, fields: Mapping[str, str]) -> SessionRecord | None:
        """The record of an HGETALL reply; None for a missing session."""
        if not fields:
            return None
        return cls(
            owner=fields.get(SessionField.OWNER, ""),
            title=fields.get(SessionField.TITLE, ""),
            created_at=timestamp(fields.get(SessionField.CREATED_AT)),
            updated_at=timestamp(fields.get(SessionField.UPDATED_AT)),
            message_count=int(fields.get(SessionField.MESSAGE_COUNT) or 0),
            active_task=fields.get(SessionField.ACTIVE_TASK, ""),
            agent=fields.get(SessionField.AGENT) or DEFAULT_AGENT,
        )

    def summary(self, session_id: str) -> dict:
        """What the session list and a session's page show of it."""
        return {
            "session_id": session_id,
            "title": self.title,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "message_count": self.message_count,
            "active_task": self.active_task or None,
            "agent": self.agent,
        }
