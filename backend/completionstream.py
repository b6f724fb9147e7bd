"""The OpenAI-compatible facade's stream: a task's events as `chat.completion.chunk` SSE.

    data: {chunk: delta {"role": "assistant", "content": ""}}     first
    data: {chunk: delta {"content": "<tokens>"}}                   each token event
    data: {chunk: delta {}, "agent_stream_event": {<our event>}}   each tool / tool_result / data /
                                                                   progress / retry event: strict
                                                                   clients see an empty delta
    data: {chunk: delta {}, finish_reason "stop"}                  complete or cancelled
    data: {chunk: choices [], usage}                               with stream_options.include_usage
    data: {"error": {...}}                                         an error event (OpenAI's clients
                                                                   raise it as their APIError)
    data: [DONE]
    : ping                                                         every SSE_PING_S of silence

The events come in order from backend/follower.py. The body is a StreamingResponse's
generator: Starlette cancels it when the client goes away; it gives the listener and the stream slot
back however it ends.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError

from backend.completions import completion_id, error_body, usage_of
from backend.follower import follow
from backend.limits import Slot
from backend.relay import Listener
from backend.stream import StreamDeps
from backend.streamopening import give_back
from contract import TERMINAL_TYPES, CompleteEvent, ErrorEvent, TokenEvent

DONE = b"data: [DONE]\n\n"
PING = b": ping\n\n"


def _frame(body: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


async def chunks(
    deps: StreamDeps,
    listener: Listener,
    slot: Slot | None,
    *,
    model: str,
    include_usage: bool,
    on_complete: Callable[[str], Awaitable[None]],
) -> AsyncIterator[bytes]:
    """The SSE body. `on_complete(answer)` runs once the answer is complete (to remember the thread)."""
    head = {
        "id": completion_id(listener.task_id),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
    }
    head["model"] = model

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        return _frame({**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})

    quiet_since = time.monotonic()
    try:
        yield chunk({"role": "assistant", "content": ""})
        async for event in follow(deps, listener):
            if event is None:
                if time.monotonic() - quiet_since >= deps.settings.sse_ping_s > 0:
                    quiet_since = time.monotonic()
                    yield PING
                continue
            quiet_since = time.monotonic()
            if isinstance(event, TokenEvent):
                yield chunk({"content": event.content})
            elif isinstance(event, ErrorEvent):
                yield _frame(error_body(event.message, "agent_error", event.code))
            elif event.type in TERMINAL_TYPES:
                yield chunk({}, "stop")
                if isinstance(event, CompleteEvent):
                    if include_usage:
                        yield _frame({**head, "choices": [], "usage": usage_of(event.usage)})
                    with contextlib.suppress(RedisError, OSError):
                        await on_complete(event.response)
            elif event.type != "session":
                yield chunk({}, agent_stream_event=event.model_dump(mode="json"))
        yield DONE
    finally:
        await give_back(deps, listener, slot)
