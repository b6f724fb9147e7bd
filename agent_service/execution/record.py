"""The record of one run: what it sent the client, and the two records of its end built from it.

Why one object: the `complete` event and the transcript turn must say the same thing, the answer the
client was sent and the tool steps it saw. The event sink adds each token batch once its append
succeeded (`text`), the translator adds the tool steps and timings; the `complete` event
(`complete`) and the transcript turn (`turn`) are both read from here, so neither can disagree with
the log. A run ended before its agent started (cancelled at pickup, out of attempts) has an empty
record: its turn has no text and no steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from contract import (
    ChatTask,
    CompleteEvent,
    ToolStep,
    TranscriptMessage,
    Turn,
    TurnVersion,
    Usage,
    WorkflowStep,
)
from contract.parts import record


@dataclass
class RunRecord:
    task: ChatTask
    text: list[str] = field(default_factory=list)
    """Every token content appended to the log, in order (what the client has seen)."""
    steps: list[ToolStep] = field(default_factory=list)
    """The tool calls, each completed in place by its result (the transcript's `tools`)."""
    workflow: list[WorkflowStep] = field(default_factory=list)
    """Model turns and tool calls with their durations, numbered from 1."""
    tools: list[str] = field(default_factory=list)
    """The names of the tools called, each once, in the order of their first call."""
    started: float = field(default_factory=time.monotonic)

    def begin(self) -> None:
        """The agent run starts: `duration_ms` counts from here (pickup's Redis work comes before)."""
        self.started = time.monotonic()

    @property
    def answer(self) -> str:
        return "".join(self.text)

    def add_step(self, step: ToolStep) -> None:
        self.steps.append(step)
        if step.name not in self.tools:
            self.tools.append(step.name)

    def add_workflow(self, name: str, duration_ms: int) -> None:
        self.workflow.append(WorkflowStep(step=len(self.workflow) + 1, name=name, duration_ms=duration_ms))

    def snapshot(self) -> dict[str, Any]:
        """What a paused run keeps of its record (contract/approvals.py saves it with the run state)."""
        return {
            "text": self.text,
            "steps": [step.model_dump(mode="json") for step in self.steps],
            "workflow": [step.model_dump(mode="json") for step in self.workflow],
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Continue a paused run's record: its answer and tool steps come before the resumed part's."""
        self.text = [*snapshot.get("text", []), *self.text]
        for step in snapshot.get("steps", []):
            self.add_step(ToolStep.model_validate(step))
        self.workflow = [WorkflowStep.model_validate(w) for w in snapshot.get("workflow", [])]

    def complete(self, usage: Any, unstreamed: str = "") -> CompleteEvent:
        """The terminal complete event (`usage`: the SDK's context_wrapper.usage; `unstreamed`: text still
        buffered in the sink, which the terminal append sends as a token first)."""
        return CompleteEvent(
            task_id=self.task.task_id,
            response=self.answer + unstreamed,
            session_id=self.task.session_id,
            workflow=self.workflow,
            usage=Usage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                total_tokens=usage.total_tokens,
            ),
            tools=self.tools,
            duration_ms=int((time.monotonic() - self.started) * 1000),
        )

    def turn(self, status: str, cut: int, versions: list[TurnVersion], ttl_s: int) -> Turn:
        """The transcript turn: the question and the answer as the client was sent it (`cut` and
        `versions`: where a regenerate / edit replaces a turn, from Conversation.branch)."""
        task = self.task
        user = TranscriptMessage(
            role="user",
            text=task.message,
            task_id=task.task_id,
            created_at=task.created_at,
            parts=[record(part) for part in task.parts],
        )
        assistant = TranscriptMessage(
            role="assistant",
            text=self.answer,
            task_id=task.task_id,
            created_at=time.time(),
            status=status,
            tools=self.steps,
            versions=versions,
        )
        return Turn(user=user, assistant=assistant, owner=task.owner, ttl_s=ttl_s, cut=cut)
