"""SDK run hooks that feed the GenAI metrics: each model call's duration and token usage, each tool
call's duration.

Why hooks: `RunHooks.on_llm_start` / `on_llm_end` bracket every model call of a run (a run with
tool calls makes several), and `on_llm_end` carries that call's `ModelResponse.usage`, so the
numbers are per operation as the OpenTelemetry GenAI conventions define them, for any model
provider, without wrapping the model. One hooks object serves every run of the worker: the start
times are keyed by the run's context object, which the SDK passes to every hook of that run.
A model call that raises never reaches `on_llm_end`; the run then ends in an error and its start
time is dropped with the run (`forget`).
Tool calls are timed by the tool-server supervisor instead (agent_service/tools/supervisor.py):
only it sees a call fail, and `on_tool_end` is not called for a tool that raised.
"""

from __future__ import annotations

import time
from typing import Any

from agents import Agent, RunContextWrapper, RunHooks
from agents.items import ModelResponse

from agent_service.metrics import WorkerMetrics


def model_name(agent: Agent) -> str:
    """The gen_ai.request.model label: the agent's model name, or its Model object's `model`."""
    model = agent.model
    if model is None:
        return "default"
    if isinstance(model, str):
        return model
    return getattr(model, "model", None) or type(model).__name__


class ModelCallHooks(RunHooks[Any]):
    def __init__(self, metrics: WorkerMetrics) -> None:
        self.metrics = metrics
        self._started: dict[int, float] = {}

    async def on_llm_start(
        self, context: RunContextWrapper, agent: Agent, system_prompt, input_items
    ) -> None:
        self._started[id(context)] = time.perf_counter()

    async def on_llm_end(self, context: RunContextWrapper, agent: Agent, response: ModelResponse) -> None:
        began = self._started.pop(id(context), None)
        name = model_name(agent)
        if began is not None:
            self.metrics.model_call(name, time.perf_counter() - began)
        usage = response.usage
        self.metrics.tokens(name, usage.input_tokens, usage.output_tokens)

    def forget(self, context: RunContextWrapper) -> None:
        self._started.pop(id(context), None)
