"""The OpenAI-compatible model provider: OpenAI itself or any server speaking its API (vLLM, Ollama, LiteLLM
proxy, Azure-style gateways...), selected with MODEL_PROVIDER=openai.

Why explicit model objects and not the SDK's global defaults (`set_default_openai_client/api`): the worker
builds one client per process from its Settings, and tests build several side by side; globals would leak
between them. `ModelSettings(include_usage=True)` because the SDK only asks a non-OpenAI base URL for
streamed usage when told to (otherwise CompleteEvent.usage would be 0). Tracing is disabled: no trace
export leaves the machine unless someone wires it on purpose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents import (
    Model,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    set_tracing_disabled,
)
from openai import AsyncOpenAI

if TYPE_CHECKING:
    from agent_service.config import Settings

PLACEHOLDER_KEY = "not-needed"
"""AsyncOpenAI refuses to start without a key; local OpenAI-compatible servers usually ignore it."""


def build_openai_model(settings: Settings) -> tuple[Model, ModelSettings]:
    set_tracing_disabled(True)
    client = AsyncOpenAI(
        api_key=settings.openai_api_key or PLACEHOLDER_KEY, base_url=settings.openai_base_url or None
    )
    model: Model
    if settings.openai_api == "responses":
        model = OpenAIResponsesModel(model=settings.model, openai_client=client)
    else:
        model = OpenAIChatCompletionsModel(model=settings.model, openai_client=client)
    return model, ModelSettings(include_usage=True)
