"""A run that stops for a person's approval, and its resumption (the shared record: contract/approvals.py).

Why a paused run is let go instead of waited on: a person may take minutes, the worker may be restarted
or scaled away meanwhile, and a slot held for a person is a slot no chat gets. So when the SDK's run ends
with interruptions (tool calls whose `needs_approval` is true: the task list's writes), the worker saves
`result.to_state().to_string()` with one Approval per call, emits `approval_required` for each, and
ends the delivery without a terminal event (the task's status is `awaiting_approval`). The decision goes
through any gateway, which re-queues the task as a resume once every call is decided; whichever worker
takes it rebuilds the state (`RunState.from_string` with this task's own run context, never the saved
one), applies the decisions (`approve`, or `reject` with the sentence the model is told) and runs it on
from there. The SDK then runs an approved call with the call id it had, so the task list's idempotency
key is the same on every attempt of the resume: a resume retried after a crash writes nothing twice.
What the paused part had sent the client (its text and tool steps) is kept with the state and restored
into the resumed run's record, so `complete` and the transcript tell the whole turn.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from agents import Agent, RunState

from agent_service.config import Settings
from agent_service.execution.eventsink import EventSink
from agent_service.execution.runstate import run_context
from agent_service.execution.translation import parse_arguments
from agent_service.tools.tasks.client import approval_message
from contract import ApprovalRequiredEvent, ChatTask
from contract.approvals import Approval, Decision, Pauses

log = logging.getLogger(__name__)


def _call_id(item: Any) -> str:
    raw = item.raw_item
    return (raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)) or ""


def rejection(tool: str, decision: Decision | None) -> str:
    """What the model is told about a call the person rejected (or never decided)."""
    why = f" ({decision.message})" if decision is not None and decision.message else ""
    return f"The user rejected the {tool} call{why}. Nothing was changed; do not try it again."


class Approvals:
    def __init__(self, pauses: Pauses, settings: Settings) -> None:
        self.pauses = pauses
        self.ttl_s = settings.approval_ttl_s

    async def pause(self, task: ChatTask, sink: EventSink, result: Any) -> bool:
        """Save the interrupted run and announce its approvals; False when the task is gone."""
        approvals = []
        for item in result.interruptions:
            tool = item.tool_name or "tool"
            arguments = parse_arguments(getattr(item.raw_item, "arguments", None))
            approvals.append(
                Approval(
                    approval_id=uuid.uuid4().hex,
                    call_id=_call_id(item),
                    tool=tool,
                    arguments=arguments,
                    message=approval_message(tool, arguments),
                )
            )
        await sink.flush()
        state = result.to_state().to_string()
        pause_id = uuid.uuid4().hex
        deadline = await self.pauses.save(
            task, pause_id, state, sink.record.snapshot(), approvals, self.ttl_s
        )
        if deadline is None:
            return False
        for approval in approvals:
            await sink.emit(
                ApprovalRequiredEvent(task_id=task.task_id, **approval.model_dump(), expires_at=deadline)
            )
        log.info("run paused for %s approval(s)", len(approvals))
        return True

    async def resume(self, task: ChatTask, agent: Agent, sink: EventSink) -> RunState | None:
        """The paused run of `task.resume` with its decisions applied, its record restored into the
        sink's; None when that pause is gone (expired or replaced)."""
        paused = await self.pauses.load(task.task_id)
        if paused is None or paused.pause_id != task.resume:
            return None
        state = await RunState.from_string(agent, paused.state, context_override=dict(run_context(task)))
        by_call = {a.call_id: a for a in paused.approvals}
        for item in state.get_interruptions():
            approval = by_call.get(_call_id(item))
            decision = paused.decisions.get(approval.approval_id) if approval is not None else None
            if decision is not None and decision.approve:
                state.approve(item)
            else:
                state.reject(item, rejection_message=rejection(item.tool_name or "tool", decision))
        sink.record.restore(paused.record)
        return state

    async def finish(self, task: ChatTask) -> None:
        """The resumed run ended: its pause record and deadline go."""
        await self.pauses.finish(task.task_id, task.resume)
