"""Execution: one run of the agent for a delivered task, and how it ends (delivery is delivery/pickup.py's).

Why it looks like this:
- Every accepted task ends in exactly one terminal event (complete | error | cancelled), written through
  EventSink.terminal (shielded + retried) with the transcript turn in the same append; both are built by
  the run's RunRecord (record.py). The processing entry is removed (`run.done`) only once the event is in.
- Stopping a run always goes through RunResultStreaming.cancel(): breaking out of stream_events() does
  not stop the SDK's run loop. `ActiveRun.stop(reason)` records why, and the reason picks the terminal
  event once the stream ends (cancel → cancelled, timeout → error timeout, handback/lost → none,
  ended → none: the event log refused an append because someone else ended the task). Any other way out
  of the stream (our own exception) also cancels the SDK run.
- Redis failing under the run (history or event writes) hands the task back: the log cannot be trusted to
  hold the whole answer, and the next attempt restarts it.
- A completed run wins over a late stop request (the answer exists; throwing it away helps nobody).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from agents import Runner, RunState
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from redis.asyncio import Redis

from agent_service.config import Settings
from agent_service.execution.eventsink import EventSink
from agent_service.execution.history import Conversation, model_history
from agent_service.execution.inputparts import model_input
from agent_service.execution.pause import Approvals
from agent_service.execution.runstate import ActiveRun, AgentSetup, error_code, run_context
from agent_service.execution.translation import Translator
from agent_service.execution.uploads import SessionUploads
from agent_service.redis_clients import REDIS_ERRORS
from agent_service.tools.catalog import ANALYTICS_SERVER
from contract import ERROR_CODES, STATUS_FOR_TERMINAL, CancelledEvent, ChatTask, ErrorEvent, tracing
from contract.approvals import Pauses

log = logging.getLogger(__name__)


@dataclass
class Execution:
    settings: Settings
    redis: Redis
    conversation: Conversation
    setup: Callable[[str], AgentSetup | None]
    """Agent name → its setup; None for an agent this worker does not run."""
    approvals: Approvals = field(init=False)

    def __post_init__(self) -> None:
        self.approvals = Approvals(Pauses(self.redis), self.settings)

    async def run_agent(self, run: ActiveRun, sink: EventSink) -> None:
        """Run the agent on the task and end the run: its terminal event, or a hand-back."""
        task = run.task
        setup = self.setup(task.agent)
        if setup is None:  # the gateway offers what live workers advertise; this one does not run it
            msg = f"No worker here runs the agent '{task.agent}'."
            await self.end(run, sink, ErrorEvent(task_id=task.task_id, code="unknown_agent", message=msg))
            return
        agent = setup.agent.clone()  # one Agent per run: the SDK's per-agent bookkeeping is O(runs)
        start = await self._start(task, agent, sink, setup)
        if start is None:
            msg = "The paused run could not be resumed (its approval request expired); nothing was changed."
            await self.end(run, sink, ErrorEvent(task_id=task.task_id, code="approval_expired", message=msg))
            return
        translator = Translator(sink)
        translator.awaiting(sink.record.steps)
        timer = asyncio.get_running_loop().call_later(self.settings.task_timeout_s, run.stop, "timeout")
        code: str | None = None
        result = None
        span = tracing.tracer(__name__).start_span(
            f"invoke_agent {setup.agent.name}",
            context=tracing.parent(task.trace),
            kind=SpanKind.CONSUMER,
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": setup.agent.name},
        )
        attached = otel_context.attach(trace.set_span_in_context(span))  # the SDK's run task inherits it
        try:
            # a replacement of one of its MCP servers in progress is waited for (bounded; one down is not)
            await asyncio.gather(*(s.wait_ready(self.settings.mcp_timeout_s) for s in setup.servers))
            result = Runner.run_streamed(
                agent,
                start,
                context=run_context(task),  # the owner tool servers act for (never the model's word)
                session=model_history(self.settings, self.redis, task.session_id),
                max_turns=self.settings.max_turns,
                run_config=setup.run_config,
                hooks=setup.hooks,
            )
            run.result = result
            if run.stop_reason:
                result.cancel()
            async for ev in result.stream_events():
                if setup.hooks is not None and ev.type == "raw_response_event":
                    setup.hooks.streamed(result.context_wrapper, ev.data)
                await translator.handle(ev)
        except asyncio.CancelledError:
            # The worker is being torn down: stop the SDK run and hand the task back.
            if result is not None:
                result.cancel()
            run.stop_reason, run.requeue = "handback", True
            await sink.discard()
            raise
        except REDIS_ERRORS as exc:
            # Redis failed under the run (history or event writes, e.g. a restart): the log cannot be
            # trusted to hold the whole answer, so hand the task back; the next attempt restarts it.
            if result is not None:
                result.cancel()
            log.warning("Redis failed under the run (%s); handing the task back", type(exc).__name__)
            run.stop_reason, run.requeue = "handback", True
        except Exception as exc:
            code = error_code(exc)
            log.warning("run failed: %s (%s)", type(exc).__name__, code, exc_info=True)
            if code == "tool_error":  # probe its servers now (one is replaced only if it does not answer)
                for server in setup.servers:
                    server.suspect()
        finally:
            otel_context.detach(attached)
            if code is not None:
                span.set_status(Status(StatusCode.ERROR, code))
            span.end()
            timer.cancel()
            if result is not None and not result.is_complete:
                result.cancel()  # we stopped reading (our own error): the SDK run must stop too
            if result is not None and setup.hooks is not None:
                setup.hooks.forget(result.context_wrapper)
        await self._conclude(run, sink, result, code)

    async def _start(
        self, task: ChatTask, agent, sink: EventSink, setup: AgentSetup
    ) -> str | list | RunState | None:
        """The run's input: the question (its text or parts), or a resumed task's paused run (None: it
        is gone)."""
        if not task.resume:
            notes = []  # attached CSV / Parquet files become tables of the session, for the analytics tools
            if task.parts and any(s.name == ANALYTICS_SERVER for s in setup.servers):
                notes = await SessionUploads(self.redis, self.settings).store(task)
            return model_input(task, self.settings.inputs, notes)
        try:
            return await self.approvals.resume(task, agent, sink)
        except REDIS_ERRORS:
            raise  # the pickup's Redis trouble: the payload stays for the orphan sweep
        except Exception:
            log.exception("the paused run's state could not be restored")
            return None

    async def _conclude(self, run: ActiveRun, sink: EventSink, result, code) -> None:
        tid = run.task.task_id
        if run.stop_reason == "ended":
            run.done = True  # someone else wrote the terminal event; nothing is left to write
            log.info("the task was ended elsewhere; run stopped")
            return
        if code is None and run.stop_reason is None and getattr(result, "interruptions", None):
            try:  # calls wait for a person's approval: save the run and let the task go (pause.py)
                await self.approvals.pause(run.task, sink, result)
                run.done = True  # (a task whose record is gone has nothing left to wait for either)
            except REDIS_ERRORS:
                log.warning("could not save the paused run; handing the task back")
                run.stop_reason, run.requeue = "handback", True
                await sink.discard()
            return
        final = getattr(result, "final_output", None) if code is None else None
        if final is not None:
            try:
                await sink.flush()
            except REDIS_ERRORS:
                log.warning("could not write the answer's last tokens; handing the task back")
                run.stop_reason, run.requeue = "handback", True
                await sink.discard()
                return
            unstreamed = "" if sink.record.text else str(final)  # an answer the model never streamed
            sink.token(unstreamed)  # sent as one token by the terminal append, right before `complete`
            await self.end(run, sink, sink.record.complete(result.context_wrapper.usage, unstreamed))
            return
        if run.stop_reason in ("handback", "lost"):
            await sink.discard()
            run.requeue = run.stop_reason == "handback"
            log.info("run stopped for %s; no terminal event", run.stop_reason)
            return
        if run.stop_reason == "cancel":
            event = CancelledEvent(task_id=tid)
        elif run.stop_reason == "timeout":
            msg = f"The run took longer than {self.settings.task_timeout_s} s."
            event = ErrorEvent(task_id=tid, code="timeout", message=msg)
        else:
            code = code or "internal"
            event = ErrorEvent(task_id=tid, code=code, message=ERROR_CODES[code])
        await self.end(run, sink, event)

    async def end(self, run: ActiveRun, sink: EventSink, event) -> None:
        """Terminal event, with the transcript turn in the same append; the processing entry is
        removed only once the event is in."""
        status = STATUS_FOR_TERMINAL[event.type].value
        ttl_s = self.settings.session_ttl_s
        try:
            found = await self.conversation.branch(run.task)
            await sink.terminal(event, lambda: sink.record.turn(status, found.cut, found.versions, ttl_s))
        except REDIS_ERRORS:
            log.error("could not write the terminal event; leaving the task for redelivery")
            return
        run.done, run.outcome = True, event.type
        if run.task.resume:
            await self.approvals.finish(run.task)
        log.info("run ended: %s", event.type, extra={"fields": {"code": getattr(event, "code", None)}})
