"""The model history cut to a token budget (HISTORY_MAX_TOKENS) before each run.

How: the SDK reads at most SESSION_HISTORY_ITEMS items of the model history (the item cap, the first
bound), then hands them with the new input to `RunConfig.session_input_callback`, which decides what the
model sees; `HistoryBudget` is that callback. It keeps the newest history that fits, so the model sees
a contiguous, most recent stretch of the conversation, and stores nothing: the history in Redis stays
whole (regenerate, edit and retries rewind it by length), only what is sent is cut.

The cut rule:
- The new input (this turn's question) is always sent, even when it alone is over the budget (the
  gateway bounds a message's size); the history gets what the budget leaves.
- History is dropped from the oldest end, in blocks: a cut never falls between a tool call and its
  output (every item that shares a `call_id`, and all items between them, are one block: parallel tool
  calls stay together too), nor right after a reasoning item (the Responses API refuses a reasoning item
  without the item it led to). The first block that does not fit ends the history: nothing older is
  kept past a gap.
- A tool output whose call is not in the history (the item cap cut the pair) is dropped.

What an item costs (estimates, see `item_tokens`): its text through the tokenizer (execution/tokenizer.py),
plus ITEM_OVERHEAD for the role and framing the API adds; an image costs what OpenAI bills for one at
`detail: low` (85) or a 1024×1024 one at higher detail (765), since its pixels are not decoded here; a
file, a quarter token per byte of its content (text-like). The instructions and tool schemas are not
part of the history and come on top of the budget.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

ITEM_OVERHEAD = 4
IMAGE_TOKENS_LOW = 85
IMAGE_TOKENS = 765
FILE_BYTES_PER_TOKEN = 4
_TEXT_FIELDS = ("text", "refusal")


def _file_tokens(part: dict) -> int:
    data = part.get("file_data") or ""
    if "," in data[:100] and data.startswith("data:"):
        data = data.split(",", 1)[1]
    return (len(data) * 3 // 4) // FILE_BYTES_PER_TOKEN


def _part_tokens(part: Any, count: Callable[[str], int]) -> int:
    if isinstance(part, str):
        return count(part)
    if not isinstance(part, dict):
        return count(json.dumps(part, default=str))
    kind = part.get("type")
    if kind == "input_image":
        return IMAGE_TOKENS_LOW if part.get("detail") == "low" else IMAGE_TOKENS
    if kind == "input_file":
        return _file_tokens(part) + count(str(part.get("filename") or ""))
    texts = [part[f] for f in _TEXT_FIELDS if isinstance(part.get(f), str)]
    return sum(map(count, texts)) if texts else count(json.dumps(part, default=str))


def _content_tokens(content: Any, count: Callable[[str], int]) -> int:
    if isinstance(content, list):
        return sum(_part_tokens(part, count) for part in content)
    return _part_tokens(content, count) if content is not None else 0


def item_tokens(item: Any, count: Callable[[str], int]) -> int:
    """What one history item costs the model, estimated (see the module docstring)."""
    if not isinstance(item, dict):
        return ITEM_OVERHEAD + count(str(item))
    if "content" in item and "role" in item:
        return ITEM_OVERHEAD + _content_tokens(item["content"], count)
    kind = item.get("type")
    if kind == "function_call":
        return ITEM_OVERHEAD + count(str(item.get("name") or "")) + count(str(item.get("arguments") or ""))
    if kind == "function_call_output":
        return ITEM_OVERHEAD + _content_tokens(item.get("output"), count)
    return ITEM_OVERHEAD + count(json.dumps(item, default=str))


def _is_output(item: Any) -> bool:
    return isinstance(item, dict) and str(item.get("type", "")).endswith("_output")


def _without_orphan_outputs(history: list) -> list:
    called = {i.get("call_id") for i in history if isinstance(i, dict) and not _is_output(i)}
    return [i for i in history if not (_is_output(i) and i.get("call_id") not in called)]


def blocks(history: list) -> list[list]:
    """The history in the pieces it may be cut into, oldest first (see the module docstring)."""
    last: dict[str, int] = {}
    for index, item in enumerate(history):
        if isinstance(item, dict) and isinstance(item.get("call_id"), str):
            last[item["call_id"]] = index
    pieces: list[list] = []
    current: list = []
    reach = -1  # the furthest index the current piece must extend to
    for index, item in enumerate(history):
        current.append(item)
        if isinstance(item, dict) and isinstance(item.get("call_id"), str):
            reach = max(reach, last[item["call_id"]])
        reasoning = isinstance(item, dict) and item.get("type") == "reasoning"
        if index >= reach and not reasoning:
            pieces.append(current)
            current = []
    if current:
        pieces.append(current)
    return pieces


def fit(history: list, new_items: list, max_tokens: int, count: Callable[[str], int]) -> list:
    """The newest history that fits `max_tokens` together with `new_items`, then `new_items`."""
    left = max_tokens - sum(item_tokens(item, count) for item in new_items)
    kept: list[list] = []
    for piece in reversed(blocks(_without_orphan_outputs(history))):
        cost = sum(item_tokens(item, count) for item in piece)
        if cost > left:
            break
        left -= cost
        kept.append(piece)
    return [item for piece in reversed(kept) for item in piece] + list(new_items)


@dataclass(frozen=True)
class HistoryBudget:
    """The SDK's `session_input_callback`: history and new input → what the model is sent."""

    max_tokens: int
    count: Callable[[str], int]

    def __call__(self, history: list, new_items: list) -> list:
        sent = fit(history, new_items, self.max_tokens, self.count)
        dropped = len(history) + len(new_items) - len(sent)
        if dropped:
            log.debug(
                "history over HISTORY_MAX_TOKENS: %d of %d items sent",
                len(sent) - len(new_items),
                len(history),
            )
        return sent
