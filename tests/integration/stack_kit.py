"""Full-stack harness: a real redis-server, `python -m backend` and `python -m agent_service` processes,
and an SSE client that records every frame. Used by the test_stack_* modules."""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import redis
from support.keys import KEY_A, KEY_B

from contract import keys
from contract.workers import WorkerBeat
from devstack.processes import Stack
from devstack.redis_server import RedisServer

FAST_WORKER_ENV = {
    "HEARTBEAT_INTERVAL_S": "0.5",
    "WORKER_HEARTBEAT_TTL_S": "2",
    "REAPER_INTERVAL_S": "0.5",
    "POLL_TIMEOUT_S": "1",
    "LOG_LEVEL": "WARNING",
}


@dataclass
class Frames:
    status: int
    headers: httpx2.Headers
    events: list[dict] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    retry_frames: int = 0
    body: Any = None

    @property
    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    @property
    def terminal(self) -> dict | None:
        last = self.events[-1] if self.events else None
        return last if last and last["type"] in ("complete", "error", "cancelled") else None

    @property
    def text(self) -> str:
        """The answer as a client shows it: tokens after the last `retry` event."""
        start = max((i for i, e in enumerate(self.events) if e["type"] == "retry"), default=-1)
        return "".join(e["content"] for e in self.events[start + 1 :] if e["type"] == "token")

    @property
    def task_id(self) -> str:
        return self.headers.get("x-task-id") or self.events[0]["task_id"]


def seqs_contiguous(events: list[dict], start: int = 0) -> bool:
    return [e["seq"] for e in events] == list(range(start, start + len(events)))


async def read_frames(
    resp: httpx2.Response,
    frames: Frames,
    stop_after: int | None = None,
    until: Callable[[dict], bool] | None = None,
) -> Frames:
    """Read the stream's events to its end, or after `stop_after` events, or at the first event for
    which `until` is true."""
    data: list[str] = []
    async for line in resp.aiter_lines():
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
        elif line.startswith("id:"):
            frames.ids.append(line[3:].strip())
        elif line.startswith("retry:"):
            frames.retry_frames += 1
        elif line == "" and data:
            frames.events.append(json.loads("\n".join(data)))
            data = []
            if stop_after is not None and len(frames.events) >= stop_after:
                break
            if until is not None and until(frames.events[-1]):
                break
    return frames


async def chat(
    client: httpx2.AsyncClient,
    base: str,
    message: str,
    key: str = KEY_A,
    stop_after: int | None = None,
    until: Callable[[dict], bool] | None = None,
    **body,
) -> Frames:
    async with client.stream(
        "POST",
        f"{base}/ai/api/chat/stream",
        headers={"X-API-Key": key},
        json={"message": message, **body},
        timeout=httpx2.Timeout(120, connect=10),
    ) as resp:
        frames = Frames(resp.status_code, resp.headers)
        if resp.status_code != 200:
            await resp.aread()
            frames.body = resp.json()
            return frames
        return await read_frames(resp, frames, stop_after, until)


async def rejoin(
    client: httpx2.AsyncClient,
    base: str,
    task_id: str,
    last_event_id: int | None,
    key: str = KEY_A,
    until: Callable[[dict], bool] | None = None,
) -> Frames:
    headers = {"X-API-Key": key}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    async with client.stream(
        "GET",
        f"{base}/ai/api/tasks/{task_id}/events",
        headers=headers,
        timeout=httpx2.Timeout(120, connect=10),
    ) as resp:
        frames = Frames(resp.status_code, resp.headers)
        if resp.status_code != 200:
            await resp.aread()
            return frames
        return await read_frames(resp, frames, until=until)


class LiveStack:
    """Redis + gateways + workers for one test module; Redis can be stopped and restarted on its port."""

    def __init__(
        self,
        worker_env: dict[str, str] | None = None,
        gateway_env: dict[str, str] | None = None,
        appendonly: bool = False,
        redis_server=None,
    ):
        self.owns_redis = redis_server is None
        self.redis = redis_server or RedisServer(appendonly=appendonly).start()
        """Redis for the stack; `redis_server`: one the caller started (a cluster), left running."""
        self.logs = Path(tempfile.mkdtemp(prefix="stack-logs-"))
        self.stack = Stack(
            redis_url=self.redis.url,
            env={"API_KEYS": f"{KEY_A},{KEY_B}", "MODEL_PROVIDER": "demo", "LOG_LEVEL": "WARNING"},
            log_dir=self.logs,
        )
        self.worker_env = {  # every stack its own task lists (the workers of one stack share them)
            **FAST_WORKER_ENV,
            "TASKS_DB_PATH": str(self.logs / "tasks.db"),
            **(worker_env or {}),
        }
        self.gateway_env = {
            "RATE_LIMIT": "10000/minute",
            "KEY_RATE_LIMIT": "10000/minute",
            "WORKER_HEARTBEAT_TTL_S": "2",
            **(gateway_env or {}),
        }
        self.urls: list[str] = []

    def gateway(self, **extra: str) -> str:
        url = self.stack.start_gateway(**{**self.gateway_env, **extra})
        self.urls.append(url)
        return url

    def worker(self, **extra: str):
        return self.stack.start_worker(**{**self.worker_env, **extra})

    def idle_worker(self, concurrency: int = 20) -> None:
        """A live worker that takes nothing: its heartbeat admits chats at the door, and tasks stay queued."""
        worker_id = "idle-worker"
        beat = WorkerBeat(
            worker_id=worker_id, concurrency=concurrency, free_slots=concurrency, ts=time.time()
        )
        with redis.Redis.from_url(self.redis.url) as r:
            r.sadd(keys.WORKERS, worker_id)
            r.set(keys.heartbeat(worker_id), beat.model_dump_json(), ex=600)

    def wait_workers(self, n: int) -> None:
        self.stack.wait_workers(n, self.urls[0])

    def logs_text(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.log()[-3000:]}" for p in [*self.stack.gateways, *self.stack.workers]
        )

    @classmethod
    @contextlib.contextmanager
    def single(cls, tokens_per_s: int, **worker_env: str) -> Iterator[LiveStack]:
        """One gateway and one live worker on the demo model at `tokens_per_s` (0: as fast as it goes)."""
        with cls(worker_env={"DEMO_TOKENS_PER_S": str(tokens_per_s), **worker_env}) as stack:
            stack.gateway()
            stack.worker()
            stack.wait_workers(1)
            yield stack

    def __enter__(self) -> LiveStack:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            print(self.logs_text())
        self.close()

    def close(self) -> None:
        for w in self.stack.workers:
            if w.alive():
                w.popen.kill()
                w.popen.wait()
        for g in self.stack.gateways:
            g.stop(timeout=10)
        if self.owns_redis:
            self.redis.stop()
