"""A scripted OpenAI-compatible HTTP server for tests (Starlette + uvicorn), never a mock of the SDK.

Endpoints: POST /v1/chat/completions (streaming and not; a final usage chunk when
`stream_options.include_usage`), POST /v1/responses (streaming and not), GET /v1/models.
Every request is recorded (`server.requests`: path, headers, JSON body) for assertions.

Behaviour is scripted by the conversation itself, so real worker processes can be steered from a chat message:
- After a tool result (chat: last message has role "tool"; responses: last item is function_call_output):
  stream "Tool result: <the tool output>" in several deltas.
- Otherwise, when tools are offered: one tool call. `run_query` with the SQL from a `[[sql SELECT ...]]`
  directive, or the user message itself when it starts with SELECT/WITH, else
  `SELECT COUNT(*) AS customers FROM customers`. `[[tool NAME {json args}]]` calls any tool instead.
- `[[fix SELECT ...]]`: after a tool output that is an error, call `run_query` again with that SQL
  instead of answering (a model correcting its query), until the output says not to call it again.
- No tools offered: stream "Echo: <user message>".
Directives anywhere in the latest user message (take precedence over the above):
- `[[text Some answer]]`                       → that text, no tool call.
- `[[error 500]]`                              → HTTP 500 (any status) with an OpenAI-style error body.
- `[[stream bytes=5000000 chunk=200 delay_ms=0]]` → that many bytes of text in chunks (backpressure tests).
- `[[slow delay_ms=50 tokens=200]]`            → `tokens` small deltas, `delay_ms` apart (cancel tests).
Usage is a deterministic word count (prompt) and chunk count (completion), so it is never zero.

In-process: `with FakeOpenAIServer() as server: server.base_url` (uvicorn in a thread, free port).
Subprocess: `python -m tests.fakes.openai_server --port 0` prints `READY http://127.0.0.1:<port>/v1`.
`latency_s` / `--latency-ms` delays every model call before its first byte, like a hosted model's
latency (the bench's many-concurrent-runs measurement uses 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from tests.fakes import responses_format
from tests.fakes.openai_script import Turn, script, text_of, word_count


class _App:
    def __init__(self, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s
        """Every model call waits this long before its first byte (a hosted model's latency)."""
        self.requests: list[dict[str, Any]] = []
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self.chat, methods=["POST"]),
                Route("/v1/responses", self.responses, methods=["POST"]),
                Route("/v1/models", self.models, methods=["GET"]),
            ]
        )

    async def _record(self, request: Request) -> dict[str, Any]:
        body = await request.json()
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        self.requests.append({"path": request.url.path, "headers": dict(request.headers), "body": body})
        return body

    async def models(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "tests"}]}
        )

    async def chat(self, request: Request):
        body = await self._record(request)
        messages = body.get("messages", [])
        users = [m for m in messages if m.get("role") == "user"]
        last = messages[-1] if messages else {}
        tool_output = text_of(last.get("content")) if last.get("role") == "tool" else None
        names = [t["function"]["name"] for t in body.get("tools") or [] if t.get("type") == "function"]
        turn = script(text_of(users[-1].get("content")) if users else "", tool_output, names)
        if turn.status != 200:
            return _error(turn.status)
        model, prompt_tokens = body.get("model", "fake-model"), word_count(messages)
        if not body.get("stream"):
            text = "".join(turn.chunks)
            message: dict[str, Any] = {"role": "assistant", "content": None if turn.tool else text}
            if turn.tool:
                message["tool_calls"] = [_tool_call(turn, len(messages))]
            return JSONResponse(
                {
                    "id": f"chatcmpl-{len(self.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "finish_reason": "tool_calls" if turn.tool else "stop",
                        }
                    ],
                    "usage": _usage(prompt_tokens, 1 if turn.tool else max(1, len(text.split()))),
                }
            )
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        stream = self._chat_stream(turn, model, len(messages), prompt_tokens, include_usage)
        return StreamingResponse(stream, media_type="text/event-stream")

    async def _chat_stream(
        self, turn: Turn, model: str, n: int, prompt_tokens: int, include_usage: bool
    ) -> AsyncIterator[str]:
        base = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }

        def chunk(delta: dict, finish: str | None = None) -> str:
            return f"data: {json.dumps({**base, 'choices': [{'index': 0, 'delta': delta, 'finish_reason': finish}]})}\n\n"

        count = 0
        if turn.tool:
            call = _tool_call(turn, n)
            yield chunk(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": turn.tool, "arguments": ""},
                        }
                    ],
                }
            )
            for i in range(0, len(turn.arguments), 16):
                count += 1
                yield chunk(
                    {"tool_calls": [{"index": 0, "function": {"arguments": turn.arguments[i : i + 16]}}]}
                )
            yield chunk({}, "tool_calls")
        else:
            yield chunk({"role": "assistant", "content": ""})
            for piece in turn.chunks:
                if turn.delay_s and count:
                    await asyncio.sleep(turn.delay_s)
                count += 1
                yield chunk({"content": piece})
            yield chunk({}, "stop")
        if include_usage:
            yield f"data: {json.dumps({**base, 'choices': [], 'usage': _usage(prompt_tokens, count)})}\n\n"
        yield "data: [DONE]\n\n"

    async def responses(self, request: Request):
        body = await self._record(request)
        items = body.get("input") or []
        items = [{"role": "user", "content": items}] if isinstance(items, str) else items
        users = [i for i in items if i.get("role") == "user"]
        last = items[-1] if items else {}
        tool_output = text_of(last.get("output")) if last.get("type") == "function_call_output" else None
        names = [t["name"] for t in body.get("tools") or [] if t.get("type") == "function"]
        turn = script(text_of(users[-1].get("content")) if users else "", tool_output, names)
        if turn.status != 200:
            return _error(turn.status)
        rid = f"resp_fake_{len(self.requests)}"
        events = responses_format.events(
            rid,
            body.get("model", "fake-model"),
            turn.tool,
            turn.arguments,
            turn.chunks,
            turn.delay_s,
            word_count(items),
        )
        if body.get("stream"):
            return StreamingResponse(events, media_type="text/event-stream")
        final = None
        async for frame in events:
            final = frame
        return JSONResponse(json.loads(final.split("data: ", 1)[1])["response"])


def _tool_call(turn: Turn, n: int) -> dict[str, Any]:
    return {
        "id": f"call_fake_{n}",
        "type": "function",
        "function": {"name": turn.tool, "arguments": turn.arguments},
    }


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _error(status: int) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "message": f"scripted error {status}",
                "type": "server_error",
                "param": None,
                "code": str(status),
            }
        },
        status_code=status,
    )


class FakeOpenAIServer:
    """The fake server on 127.0.0.1 and a free port, in a background thread (`with` starts and stops it)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, latency_s: float = 0.0) -> None:
        self._app = _App(latency_s)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        # listening before READY is printed: connections queue in the backlog until uvicorn serves
        self._sock.listen(2048)
        self.host, self.port = self._sock.getsockname()[:2]
        config = uvicorn.Config(
            self._app.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self._app.requests

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread:
            self._thread.join(10)
        self._sock.close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Scripted OpenAI-compatible server for tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0, help="delay before every model answer")
    args = parser.parse_args()
    server = FakeOpenAIServer(args.host, args.port, args.latency_ms / 1000)
    print(f"READY {server.base_url}", flush=True)
    server._server.run(sockets=[server._sock])


if __name__ == "__main__":
    main()
