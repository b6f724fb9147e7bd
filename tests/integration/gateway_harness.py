"""Gateway integration harness: `python -m backend` as a real process and an incremental SSE reader
(the fake worker that feeds it is support/fakeworker.py, `FakeWorker.connect(redis_url)`).

(Named gateway_harness, not gateway_fixtures: tests/ has no __init__.py files, so module basenames
must be unique across tests/unit and tests/integration.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx2
from support.keys import KEY_A

from devstack.processes import Proc, spawn, wait_http
from devstack.redis_server import free_port

LOG_DIR = Path(__file__).resolve().parents[2] / "var" / "logs" / "gateway-it"


def start_gateway(redis_url: str, name: str, **env: str) -> tuple[Proc, str]:
    port = free_port()
    full_env = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "REDIS_URL": redis_url,
        "API_KEYS": KEY_A,
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
