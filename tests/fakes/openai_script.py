"""The fake OpenAI server's script: what the scripted model does for a conversation (see openai_server.py
for the directives). Pure functions, shared by the Chat Completions and Responses endpoints."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SQL = "SELECT COUNT(*) AS customers FROM customers"
DIRECTIVE = re.compile(r"\[\[(\w+)\s*(.*?)\]\]", re.S)


@dataclass
class Turn:
    """What the scripted model does for one request."""

    chunks: Iterator[str] = field(default_factory=lambda: iter(()))
    tool: str | None = None
    arguments: str = "{}"
    status: int = 200
    delay_s: float = 0.0


def script(user_text: str, tool_output: str | None, tool_names: list[str]) -> Turn:
    directives = {name: arg.strip() for name, arg in DIRECTIVE.findall(user_text)}
    if "error" in directives:
        return Turn(status=int(directives["error"] or 500))
    if "stream" in directives:
        opts = _options(directives["stream"])
        return Turn(
            _sized(opts.get("bytes", 100_000), max(1, opts.get("chunk", 200))),
            delay_s=opts.get("delay_ms", 0) / 1000,
        )
    if "slow" in directives:
        opts = _options(directives["slow"])
        return Turn(
            iter([f"tok{i} " for i in range(opts.get("tokens", 100))]),
            delay_s=opts.get("delay_ms", 50) / 1000,
        )
    if "text" in directives:
        return Turn(_pieces(directives["text"]))
    if tool_output is not None:
        if "fix" in directives and _failed(tool_output) and "not call run_query again" not in tool_output:
            return Turn(tool="run_query", arguments=json.dumps({"sql": directives["fix"]}))
        return Turn(_pieces(f"Tool result: {tool_output}"))
    if "tool" in directives:
        name, _, args = directives["tool"].partition(" ")
        return Turn(tool=name, arguments=args.strip() or "{}")
    if "run_query" in tool_names:
        plain = DIRECTIVE.sub("", user_text).strip()
        sql = directives.get("sql") or (plain if re.match(r"(?i)(select|with)\b", plain) else DEFAULT_SQL)
        return Turn(tool="run_query", arguments=json.dumps({"sql": sql}))
    if tool_names:
        return Turn(tool=tool_names[0], arguments="{}")
    return Turn(_pieces(f"Echo: {DIRECTIVE.sub('', user_text).strip()}"))


def _failed(tool_output: str) -> bool:
    """A tool output that is not a result object (an error message)."""
    try:
        return not isinstance(json.loads(tool_output), dict)
    except ValueError:
        return True


def _options(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", text)}


def _pieces(text: str, size: int = 12) -> Iterator[str]:
    return iter([text[i : i + size] for i in range(0, len(text), size)] or [""])


def _sized(total: int, chunk: int) -> Iterator[str]:
    pattern = "The quick brown fox jumps over the lazy dog. " * (chunk // 45 + 2)
    sent = 0
    while sent < total:
        size = min(chunk, total - sent)
        yield pattern[sent % 45 : sent % 45 + size]
        sent += size


def text_of(content: Any) -> str:
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def word_count(value: Any) -> int:
    return max(1, len(json.dumps(value).split()))
