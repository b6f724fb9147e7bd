"""Test doubles for the gateway's unit tests: fakeredis clients on one FakeServer, an in-process app
with its lifespan running, and SSE parsing. The fake worker is support/fakeworker.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import fakeredis
import httpx2
from support.keys import HEADERS_A, KEY_A, KEY_B
from support.waiting import wait_until

from backend.app import create_app
from backend.config import Settings
from contract import ChatTask, keys


def gateway_settings(tmp_path: Path | None = None, **overrides) -> Settings:
    values = {
        "api_keys": f"{KEY_A},{KEY_B}",
        "api_key": "",
        "redis_url": "redis://fake:6379/0",
        "rate_limit": "1000/minute",
        "key_rate_limit": "1000/minute",
        "static_dir": (tmp_path or Path("/nonexistent")) / "dist",
        "stream_gap_s": 0.3,
        "sse_ping_s": 0,
        "sse_send_timeout_s": 5,
        "subscribe_timeout_s": 2,
        "log_json": False,
        **overrides,
    }
    return Settings(**values)


def fake_factory(server: fakeredis.FakeServer):
    def factory(settings: Settings, purpose: str):
        return fakeredis.FakeAsyncRedis(server=server, decode_responses=(purpose == "commands"))

    return factory


@contextlib.asynccontextmanager
async def running_gateway(
    settings: Settings, server: fakeredis.FakeServer | None, *, redis_factory=None
) -> AsyncIterator[httpx2.AsyncClient]:
    """The app with its lifespan started, and an httpx2 client that calls it in-process.

    httpx2's ASGITransport returns a response only once the app finished it, so a stream test
    reads the whole SSE body: the stream must end (terminal event), which is the behaviour under test.
    `redis_factory` replaces fakeredis (e.g. clients of a real redis-server).
    """
    app = create_app(settings, redis_factory=redis_factory or fake_factory(server))
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx2.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


async def chat_with_follow_up(client: httpx2.AsyncClient, redis) -> tuple[asyncio.Task, asyncio.Task, str]:
    """With the fake worker holding: a first chat waiting in the queue and a second one queued behind
    it on the same session ("multitask": "enqueue"); the two POSTs (running) and the session id."""
    chat = "/ai/api/chat/stream"
    first = asyncio.create_task(client.post(chat, json={"message": "one"}, headers=HEADERS_A))
    queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
    session_id = ChatTask.model_validate_json(queued[0]).session_id
    body = {"message": "two", "session_id": session_id, "multitask": "enqueue"}
    second = asyncio.create_task(client.post(chat, json=body, headers=HEADERS_A))
    await wait_until(lambda: redis.llen(keys.session_queue(session_id)))
    return first, second, session_id


def parse_sse(body: bytes | str) -> list[dict]:
    """Frames as dicts: {"id": str|None, "event": str|None, "retry": str|None, "data": obj|None,
    "comment": [...]}; ping comments are kept as frames with only comments."""
    text = body.decode() if isinstance(body, bytes) else body
    frames = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        frame: dict = {"id": None, "event": None, "retry": None, "data": None, "comment": []}
        data_lines = []
        for line in block.split("\n"):
            if line.startswith(":"):
                frame["comment"].append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data_lines.append(value)
            elif name in ("id", "event", "retry"):
                frame[name] = value
        if data_lines:
            frame["data"] = json.loads("\n".join(data_lines))
        frames.append(frame)
    return frames


def task_events(body: bytes | str) -> list[dict]:
    return [f["data"] for f in parse_sse(body) if f["data"] is not None]


async def stream_then_disconnect(app, path: str, body: dict, headers: dict, after_frames: int = 1) -> bytes:
    """POST to a streaming route as a raw ASGI client that hangs up after `after_frames` SSE frames
    (httpx2's ASGITransport buffers whole responses, so it cannot leave mid-stream)."""
    payload = json.dumps(body).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("gateway.test", 80),
        "state": {},
    }
    hang_up = asyncio.Event()
    sent_body = False
    chunks: list[bytes] = []

    async def receive():
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])
            if b"".join(chunks).count(b"\n\n") >= after_frames:
                hang_up.set()

    await asyncio.wait_for(app(scope, receive, send), 10)
    return b"".join(chunks)
