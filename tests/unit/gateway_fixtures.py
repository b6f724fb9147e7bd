"""Test doubles for the gateway's unit tests: fakeredis clients on one FakeServer, an in-process app
with its lifespan running, a faithful fake worker, and SSE parsing.

The fake worker does what a real worker does on the wire and nothing more: it takes task payloads
from agent:tasks, marks the task running, and appends events through the real EventLog (which
assigns seq, publishes, and applies the terminal rules), then writes the transcript.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import fakeredis
import httpx2

from backend.app import create_app
from backend.config import Settings
from contract import (
    ChatTask,
    CompleteEvent,
    EventLog,
    SessionField,
    TaskField,
    TokenEvent,
    TranscriptMessage,
    WorkerBeat,
    keys,
)

KEY_A = "key-a-secret"
KEY_B = "key-b-secret"
HEADERS_A = {"X-API-Key": KEY_A}
HEADERS_B = {"X-API-Key": KEY_B}


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
    return Settings(_env_file=None, **values)


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


@dataclass
class FakeWorker:
    """Consumes agent:tasks and answers every task with `answer` split into token events."""

    redis: fakeredis.FakeAsyncRedis
    answer: str = "The answer is 42."
    token_delay_s: float = 0.0
    start_delay_s: float = 0.0
    taken: list[ChatTask] = field(default_factory=list)
    hold: bool = False
    """Take nothing (tasks stay queued)."""
    worker_id: str = "fake-worker"
    concurrency: int = 50
    _task: asyncio.Task | None = None
    _stopping: bool = False

    def start(self) -> FakeWorker:
        self._task = asyncio.create_task(self._loop())
        return self

    async def beat(self) -> None:
        """Publish a heartbeat as a live worker with free slots (what the gateway admits by)."""
        beat = WorkerBeat(worker_id=self.worker_id, concurrency=self.concurrency, free_slots=self.concurrency)
        await self.redis.set(keys.heartbeat(self.worker_id), beat.model_dump_json(), ex=60)
        await self.redis.sadd(keys.WORKERS, self.worker_id)

    async def stop(self) -> None:
        """Flag first, then cancel: a cancellation swallowed inside a client call must not leave
        the loop running (and the fixture teardown waiting forever)."""
        self._stopping = True
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, 5)

    async def _loop(self) -> None:
        log = EventLog(self.redis)
        await self.beat()
        while not self._stopping:
            if self.hold:
                await asyncio.sleep(0.01)
                continue
            raw = await self.redis.rpop(keys.TASK_QUEUE)
            if raw is None:
                await asyncio.sleep(0.005)
                continue
            task = ChatTask.model_validate_json(raw)
            self.taken.append(task)
            await self.run(log, task)

    async def run(self, log: EventLog, task: ChatTask) -> None:
        tkey = keys.task(task.task_id)
        if await self.redis.hget(tkey, TaskField.STATUS) != "queued":
            return
        await self.redis.hset(tkey, mapping={TaskField.STATUS: "running", TaskField.STARTED_AT: time.time()})
        await self.redis.hincrby(tkey, TaskField.ATTEMPTS, 1)
        await asyncio.sleep(self.start_delay_s)
        words = self.answer.split(" ")
        for i, word in enumerate(words):
            piece = word if i == 0 else " " + word
            appended = await log.append(TokenEvent(task_id=task.task_id, content=piece))
            if not appended.ok:
                return
            if self.token_delay_s:
                await asyncio.sleep(self.token_delay_s)
        done = CompleteEvent(task_id=task.task_id, response=self.answer, session_id=task.session_id)
        await log.append(done, session_id=task.session_id)
        now = time.time()
        transcript = keys.session_transcript(task.session_id)
        user = TranscriptMessage(role="user", text=task.message, task_id=task.task_id, created_at=now)
        bot = TranscriptMessage(
            role="assistant", text=self.answer, task_id=task.task_id, created_at=now, status="completed"
        )
        await self.redis.rpush(transcript, user.model_dump_json(), bot.model_dump_json())
        await self.redis.hincrby(keys.session(task.session_id), SessionField.MESSAGE_COUNT, 2)


async def wait_until(predicate, timeout: float = 5.0, interval: float = 0.01):  # noqa: ASYNC109
    """Poll an async or sync predicate until it returns a truthy value (returned)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


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
