"""Gateway integration harness: `python -m backend` as a real process, a fake worker coroutine that
writes through the real EventLog on a real Redis, and an incremental SSE reader.

(Named gateway_harness, not gateway_fixtures: tests/ has no __init__.py files, so module basenames
must be unique across tests/unit and tests/integration.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from contract import ChatTask, CompleteEvent, EventLog, TaskField, TokenEvent, WorkerBeat, keys
from devstack.processes import Proc, spawn, wait_http
from devstack.redis_server import free_port

KEY = "gateway-it-key"
HEADERS = {"X-API-Key": KEY}
LOG_DIR = Path(__file__).resolve().parents[2] / "var" / "logs" / "gateway-it"


def start_gateway(redis_url: str, name: str, **env: str) -> tuple[Proc, str]:
    port = free_port()
    full_env = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "REDIS_URL": redis_url,
        "API_KEYS": KEY,
        "API_KEY": "",
        "RATE_LIMIT": "100000/minute",
        "KEY_RATE_LIMIT": "100000/minute",
        "STATIC_DIR": "/nonexistent-ui",
        "STREAM_GAP_S": "0.5",
        "SHUTDOWN_DELAY_S": "0",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    proc = spawn(f"{name}-{port}", "backend", full_env, LOG_DIR)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/ai/api/health/live", timeout=60, proc=proc)
    return proc, url


@dataclass
class FakeWorker:
    """Takes tasks from agent:tasks and streams `tokens` through EventLog, then `complete`."""

    redis_url: str
    tokens: list[str] = field(default_factory=lambda: [f"word{i} " for i in range(20)])
    token_delay_s: float = 0.0
    start_delay_s: float = 0.0
    done: list[str] = field(default_factory=list)
    _task: asyncio.Task | None = None
    _stopping: bool = False

    def start(self) -> FakeWorker:
        self._task = asyncio.create_task(self._loop())
        return self

    async def stop(self) -> None:
        """Flag first, then cancel: a cancellation swallowed inside a client call must not leave
        the loop running (and the fixture teardown waiting forever)."""
        self._stopping = True
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, 5)

    async def _loop(self) -> None:
        client = aioredis.Redis.from_url(self.redis_url, decode_responses=True, socket_timeout=5)
        log = EventLog(client)
        try:
            while not self._stopping:
                try:
                    await self._beat(client)
                    raw = await client.blmove(keys.TASK_QUEUE, keys.processing("fake"), 1, "RIGHT", "LEFT")
                    if raw is None:
                        continue
                    await self._run(client, log, ChatTask.model_validate_json(raw))
                    await client.lrem(keys.processing("fake"), 0, raw)
                except (RedisError, OSError):
                    await asyncio.sleep(0.2)
        finally:
            await client.aclose()

    async def _beat(self, client) -> None:
        """A live worker's heartbeat, as the gateway admits by (re-created after a Redis restart)."""
        beat = WorkerBeat(worker_id="fake", concurrency=100, free_slots=100)
        await client.set(keys.heartbeat("fake"), beat.model_dump_json(), ex=10)
        await client.sadd(keys.WORKERS, "fake")

    async def _run(self, client, log: EventLog, task: ChatTask) -> None:
        await client.hset(
            keys.task(task.task_id), mapping={TaskField.STATUS: "running", TaskField.STARTED_AT: time.time()}
        )
        await asyncio.sleep(self.start_delay_s)
        for piece in self.tokens:
            if not (await log.append(TokenEvent(task_id=task.task_id, content=piece))).ok:
                return
            if self.token_delay_s:
                await asyncio.sleep(self.token_delay_s)
        answer = "".join(self.tokens)
        await log.append(
            CompleteEvent(task_id=task.task_id, response=answer, session_id=task.session_id),
            session_id=task.session_id,
        )
        self.done.append(task.task_id)


@dataclass
class Frame:
    id: str | None = None
    event: str | None = None
    retry: str | None = None
    data: dict | None = None


async def sse_frames(response: httpx2.Response):
    """Yield frames as they arrive (comments/pings are skipped)."""
    frame, data = Frame(), []
    async for line in response.aiter_lines():
        if line == "":
            if data:
                frame.data = json.loads("\n".join(data))
            if frame.data is not None or frame.event or frame.retry:
                yield frame
            frame, data = Frame(), []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name in ("id", "event", "retry"):
            setattr(frame, name, value)


def client(timeout: float = 60) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(timeout=httpx2.Timeout(timeout, connect=10))


def answer_of(events: list[dict]) -> str:
    return "".join(e["content"] for e in events if e["type"] == "token")
