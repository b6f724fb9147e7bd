"""The agents the workers run, by name: what the gateway may offer (the OpenAI-compatible facade lists
them as models) and what a worker builds. One agent today; a registry that workers advertise in their
heartbeats would replace this table."""

from __future__ import annotations

DEFAULT_AGENT = "analytics"
AGENTS: dict[str, str] = {DEFAULT_AGENT: "Natural-language analytics over the configured SQL database"}
"""Name → description."""
