"""SDK run hooks that feed the GenAI metrics: each model call's duration and token usage, each tool
call's duration.

Why hooks: `RunHooks.on_llm_start` / `on_llm_end` bracket every model call of a run (a run with
tool calls makes several), and `on_llm_end` carries that call's `ModelResponse.usage`, so the
numbers are per operation as the OpenTelemetry GenAI conventions define them, for any model
provider, without wrapping the model. One hooks object serves every run of the worker: the start
times are keyed by the run's context object, which the SDK passes to every hook of that run.
A model call that raises never reaches `on_llm_end`; the run then ends in an error and its start
time is dropped with the run (`forget`). The first chunk of a call is its first text delta in the
run's stream (`streamed`, called by the run for each raw model event).
Tool calls are timed by the tool-server supervisor instead (agent_service/tools/supervisor.py):
only it sees a call fail, and `on_tool_end` is not called for a tool that raised.
"""

from __future__ import annotations

import time
from typing import Any

from agents import Agent, RunContextWrapper, RunHooks
from agents.items import ModelResponse

from agent_service.metrics import WorkerMetrics

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
    __slots__ = ("began", "model", "chunked")

    def __init__(self, model: str) -> None:
        self.began = time.perf_counter()
        self.model = model
        self.chunked = False


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

    def forget(self, context: RunContextWrapper) -> None:
        """The run ended: drop a call that never reached on_llm_end (it raised, or was cancelled)."""
        self._calls.pop(id(context), None)
