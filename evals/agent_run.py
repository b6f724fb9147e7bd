"""One question through the real agent: the SDK Runner, the configured model and the real analytics MCP server
(a stdio subprocess, as the worker starts it), recording every tool call, the SQL and what it returned.

Why the real agent and not the model alone: what is scored is what a user gets, so the tools' guard, their
error messages (which a model reads to correct itself) and the result caps all take part, exactly as in a chat.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from agents import Agent, ToolCallItem, ToolCallOutputItem
from agents import Runner as SdkRunner
from agents.mcp import MCPServerStdio

from agent_service.config import Settings
from agent_service.execution.agent import build_agent
from agent_service.tools.analytics import mcp_params


@dataclass
class Attempt:
    """What the agent did for one question."""

    question: str
    calls: list[dict[str, Any]] = field(default_factory=list)  # {"tool", "arguments", "output", "ok"}
    answer: str = ""
    error: str = ""
    seconds: float = 0.0

    @property
    def queries(self) -> list[str]:
        return [c["arguments"].get("sql", "") for c in self.calls if c["tool"] == "run_query"]

    @property
    def final_sql(self) -> str | None:
        """The last run_query whose result came back (the one the answer is built on)."""
        done = [c for c in self.calls if c["tool"] == "run_query" and c["ok"]]
        return done[-1]["arguments"].get("sql") if done else None


@asynccontextmanager
async def analytics_agent(settings: Settings) -> AsyncIterator[Agent]:
    """The worker's agent over a fresh analytics MCP server for `settings`."""
    params = mcp_params(settings)
    async with MCPServerStdio(
        params=params, client_session_timeout_seconds=60, cache_tools_list=True
    ) as server:
        yield build_agent(settings, [server])


async def ask(agent: Agent, question: str, *, max_turns: int, timeout_s: float) -> Attempt:
    attempt = Attempt(question)
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(SdkRunner.run(agent, question, max_turns=max_turns), timeout_s)
        attempt.answer = str(result.final_output or "")
        items = result.new_items
    except Exception as exc:  # the eval reports a failed run; it never stops the whole eval
        attempt.error = f"{type(exc).__name__}: {exc}"
        items = getattr(exc, "run_data", None) and exc.run_data.new_items or []
    attempt.seconds = time.perf_counter() - started
    outputs = {_call_id(i.raw_item): _text(i.output) for i in items if isinstance(i, ToolCallOutputItem)}
    for item in items:
        if isinstance(item, ToolCallItem):
            raw = item.raw_item
            output = outputs.get(_call_id(raw), "")
            attempt.calls.append(
                {
                    "tool": getattr(raw, "name", ""),
                    "arguments": _arguments(getattr(raw, "arguments", "") or ""),
                    "output": output[:2000],
                    "ok": _is_json_object(output),
                }
            )
    return attempt


def _call_id(raw: Any) -> str:
    return raw.get("call_id", "") if isinstance(raw, dict) else getattr(raw, "call_id", "")


def _arguments(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"raw": value}


def _text(output: Any) -> str:
    """A tool output as text (the SDK hands MCP results over as a string, a text part or a list of them)."""
    if isinstance(output, str):
        try:
            value = json.loads(output)
        except ValueError:
            return output
        if isinstance(value, dict) and value.get("type") == "text":
            return str(value.get("text", ""))
        return output
    if isinstance(output, dict):
        return str(output.get("text", output))
    if isinstance(output, list):
        return "".join(_text(p) for p in output)
    return "" if output is None else str(output)


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
