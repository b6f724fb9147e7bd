"""Model selection: the offline demo model (default without an API key) or an OpenAI-compatible endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents import Model, ModelSettings, set_tracing_disabled

from agent_service.models.demo import DemoModel

if TYPE_CHECKING:
    from agent_service.config import Settings


def build_model(settings: Settings) -> tuple[Model, ModelSettings]:
    """The model for MODEL_PROVIDER (demo | openai) and the ModelSettings to run it with."""
    if settings.model_provider == "openai":
        from agent_service.models.openai_compat import build_openai_model

        return build_openai_model(settings)
    set_tracing_disabled(True)  # the demo is offline: never try to export traces
    return DemoModel(tokens_per_s=settings.demo_tokens_per_s), ModelSettings()


__all__ = ["DemoModel", "build_model"]
