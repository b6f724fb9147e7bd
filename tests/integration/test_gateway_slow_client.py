"""A client that stops reading must cost the gateway bounded memory and nobody else anything."""

from __future__ import annotations

import asyncio
import json
import socket

import psutil
import pytest
from gateway_harness import client, sse_frames, start_gateway
from support.fakeworker import FakeWorker
from support.keys import HEADERS_A, KEY_A

pytestmark = pytest.mark.integration

TOKEN = "x" * 1000
TOKENS = 5000  # ~5 MB of events


def _open_silent_stream(url: str) -> tuple[socket.socket, str]:
    """POST /chat/stream over a socket with a tiny receive buffer, read only the headers, then stop."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    body = json.dumps({"message": "stream a lot"}).encode()
    sock.sendall(
        b"POST /ai/api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"X-API-Key: {KEY_A}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert b" 200 " in head.split(b"\r\n")[0], head
    task_id = next(
        line.split(b":", 1)[1].strip().decode()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"x-task-id")
    )
    return sock, task_id


async def _pubsub_client_ids(redis) -> set[int]:
    return {c["id"] for c in await redis.client_list() if "P" in c.get("flags", "")}


async def test_silent_client_leaves_memory_bounded_and_other_streams_whole(redis_server, real_redis):
    proc, url = start_gateway(redis_server.url, "gw-slow", LOG_LEVEL="INFO")
    worker = await FakeWorker.connect(redis_server.url, tokens=[TOKEN] * TOKENS, start_delay_s=1.0).start()
    gateway = psutil.Process(proc.pid)
    baseline = gateway.memory_info().rss
    peak = baseline
    silent = None
    try:
        async with client(120) as http:
            await http.get(url + "/ai/api/health")
            subscribers = await _pubsub_client_ids(real_redis)
            silent, task_id = await asyncio.to_thread(_open_silent_stream, url)

            async def sample() -> None:
                nonlocal peak
                while True:
                    peak = max(peak, gateway.memory_info().rss)
                    await asyncio.sleep(0.1)

            sampler = asyncio.create_task(sample())
            async with http.stream("GET", f"{url}/ai/api/tasks/{task_id}/events", headers=HEADERS_A) as r:
                events = [f.data async for f in sse_frames(r) if f.data is not None]
            sampler.cancel()
            still_subscribed = await _pubsub_client_ids(real_redis)
    finally:
        if silent is not None:
            silent.close()
        await worker.stop()
        proc.stop()
    assert [e["seq"] for e in events] == list(range(TOKENS + 2))
    assert events[-1]["type"] == "complete"
    assert subscribers and subscribers <= still_subscribed, "the shared subscriber was disconnected"
    assert peak - baseline < 60 * 2**20, f"gateway RSS grew {(peak - baseline) / 2**20:.0f} MB"
    assert f"listener of task {task_id} lagging" in proc.log(), "the silent stream never fell behind"
