"""How a run is observed: each model call's and each tool call's metrics (agent_service/metrics.py) and
spans (contract/tracing.py).

Why hooks: `RunHooks.on_llm_start` / `on_llm_end` bracket every model call of a run (a run with
tool calls makes several), and `on_llm_end` carries that call's `ModelResponse.usage`, so the
numbers are per operation as the OpenTelemetry GenAI conventions define them, for any model
provider, without wrapping the model. One hooks object serves every run of the worker: the start
times are keyed by the run's context object, which the SDK passes to every hook of that run.
A model call that raises never reaches `on_llm_end`; the run then ends in an error and its start
time is dropped with the run (`forget`). The first chunk of a call is its first text delta in the
run's stream (`streamed`, called by the run for each raw model event).
Tool calls are observed by the tool-server supervisor instead (`tool_call`, around its call_tool):
only it sees a call fail, and `on_tool_end` is not called for a tool that raised. Spans need no
bookkeeping of their own: the run's span is current in the task the SDK runs the agent in, so the
model-call and tool-call spans are its children.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from agents import Agent, RunContextWrapper, RunHooks
from agents.items import ModelResponse
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from agent_service.metrics import WorkerMetrics
from contract import tracing

TEXT_DELTA = "response.output_text.delta"
"""The Responses-API stream event of a piece of answer text (every model the SDK drives emits it)."""


def model_name(agent: Agent) -> str:
    """The gen_ai.request.model label: the agent's model name, or its Model object's `model`."""
    model = agent.model
    if model is None:
        return "default"
    if isinstance(model, str):
        return model
    return getattr(model, "model", None) or type(model).__name__


class _Call:
    __slots__ = ("began", "model", "chunked", "span")

    def __init__(self, model: str) -> None:
        self.began = time.perf_counter()
        self.model = model
        self.chunked = False
        self.span: Span = tracing.tracer(__name__).start_span(
            f"chat {model}",
            kind=SpanKind.CLIENT,
            attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": model},
        )


class ModelCallHooks(RunHooks[Any]):
    def __init__(self, metrics: WorkerMetrics) -> None:
        self.metrics = metrics
        self._calls: dict[int, _Call] = {}

    async def on_llm_start(
        self, context: RunContextWrapper, agent: Agent, system_prompt, input_items
    ) -> None:
        self._calls[id(context)] = _Call(model_name(agent))

    def streamed(self, context: RunContextWrapper, data: object) -> None:
        """A raw streamed model event of the run: its call's first text delta is the first chunk."""
        call = self._calls.get(id(context))
        if call is not None and not call.chunked and getattr(data, "type", "") == TEXT_DELTA:
            call.chunked = True
            self.metrics.first_token(call.model, time.perf_counter() - call.began)

    async def on_llm_end(self, context: RunContextWrapper, agent: Agent, response: ModelResponse) -> None:
        call = self._calls.pop(id(context), None)
        name = call.model if call is not None else model_name(agent)
        if call is not None:
            self.metrics.model_call(name, time.perf_counter() - call.began)
        usage = response.usage
        self.metrics.tokens(name, usage.input_tokens, usage.output_tokens)
        if call is not None:
            call.span.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
            call.span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
            call.span.end()

    def forget(self, context: RunContextWrapper) -> None:
        """The run ended: drop a call that never reached on_llm_end (it raised, or was cancelled)."""
        call = self._calls.pop(id(context), None)
        if call is not None:
            call.span.set_status(Status(StatusCode.ERROR, "the model call did not finish"))
            call.span.end()


class ToolCall:
    """One tool call being observed: what its result says about it."""

    __slots__ = ("error",)

    def __init__(self) -> None:
        self.error = "CancelledError"

    def answered(self, result: Any) -> None:
        """error_type "tool_error" for an MCP is_error result (e.g. SQL the database refused)."""
        self.error = "tool_error" if getattr(result, "is_error", False) else ""


@asynccontextmanager
async def tool_call(metrics: WorkerMetrics | None, tool: str) -> AsyncIterator[ToolCall]:
    """Time and trace one tool call (a wait for a free call slot included: it is what the run waited):
    gen_ai_execute_tool_duration_seconds by tool and error_type (the exception's class when it raised),
    and an `execute_tool {tool}` span."""
    call, began = ToolCall(), time.perf_counter()
    attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool}
    with tracing.tracer(__name__).start_as_current_span(
        f"execute_tool {tool}", attributes=attributes
    ) as span:
        try:
            yield call
        except Exception as exc:
            call.error = type(exc).__name__
            raise
        finally:
            if call.error:
                span.set_attribute("error.type", call.error)
            if metrics is not None:
                metrics.tool_call(tool, time.perf_counter() - began, call.error)
