"""The OpenAI-compatible model provider: OpenAI itself or any server speaking its API (vLLM, Ollama, LiteLLM
proxy, Azure-style gateways...), selected with MODEL_PROVIDER=openai.

Why explicit model objects and not the SDK's global defaults (`set_default_openai_client/api`): the worker
builds its clients once per process from its Settings, and tests build several side by side; globals
would leak between them. `ModelSettings(include_usage=True)` because the SDK only asks a non-OpenAI base
URL for streamed usage when told to (otherwise CompleteEvent.usage would be 0). Tracing is disabled: no
trace export leaves the machine unless someone wires it on purpose.

Why several HTTP clients (`SpreadModel`), measured with hundreds of runs in flight in one worker (py-spy,
a model answering after 1 s):
- The openai client keeps at most 100 idle connections alive, so every call past the 100th in flight
  opened a TCP connection and closed it afterwards.
- The HTTP pool walks all of its connections whenever a request starts or ends, so one pool of N
  connections costs O(N) per call: with ~500 connections that walk was 15 % of the worker's CPU.
So the worker opens OPENAI_MAX_CONNECTIONS connections in pools of at most POOL_CONNECTIONS, each pool
keeping all of its connections alive, and spreads the model calls over them in turn. A call that finds
its pool full waits for a free connection (within the client's pool timeout) instead of failing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx2
from agents import (
    Model,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    set_tracing_disabled,
)
from openai import AsyncOpenAI, DefaultAsyncHttpxClient

if TYPE_CHECKING:
    from agent_service.config import Settings

PLACEHOLDER_KEY = "not-needed"
"""AsyncOpenAI refuses to start without a key; local OpenAI-compatible servers usually ignore it."""
POOL_CONNECTIONS = 50
"""Connections per HTTP pool: small enough that a pool's per-request walk over them stays cheap."""


class SpreadModel(Model):
    """One model over several clients (each its own connection pool): each call goes to the next."""

    def __init__(self, models: list[Model]) -> None:
        self.models = models
        self._next = itertools.cycle(models)

    async def get_response(self, *args: Any, **kwargs: Any):
        return await next(self._next).get_response(*args, **kwargs)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator:
        return next(self._next).stream_response(*args, **kwargs)

    def get_retry_advice(self, request):
        return self.models[0].get_retry_advice(request)

    async def close(self) -> None:
        for model in self.models:
            await model.close()


def _client(settings: Settings, connections: int) -> AsyncOpenAI:
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    return AsyncOpenAI(
        api_key=settings.openai_api_key or PLACEHOLDER_KEY,
        base_url=settings.openai_base_url or None,
        http_client=DefaultAsyncHttpxClient(limits=limits),
    )


def _model(settings: Settings, client: AsyncOpenAI) -> Model:
    if settings.openai_api == "responses":
        return OpenAIResponsesModel(model=settings.model, openai_client=client)
    return OpenAIChatCompletionsModel(model=settings.model, openai_client=client)


def build_openai_model(settings: Settings) -> tuple[Model, ModelSettings]:
    set_tracing_disabled(True)
    total = max(1, settings.openai_max_connections)
    pools = math.ceil(total / POOL_CONNECTIONS)
    size = math.ceil(total / pools)
    models = [_model(settings, _client(settings, size)) for _ in range(pools)]
    model = models[0] if pools == 1 else SpreadModel(models)
    return model, ModelSettings(include_usage=True)
