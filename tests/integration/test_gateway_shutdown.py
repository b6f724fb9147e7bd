"""SIGTERM on a gateway: readiness fails at once, open streams get a reconnect frame and resume elsewhere."""

from __future__ import annotations

import asyncio
import signal

import pytest
from gateway_harness import answer_of, client, sse_frames, start_gateway
from support.fakeworker import FakeWorker
from support.keys import HEADERS_A

pytestmark = pytest.mark.integration


async def _rejoin(http, url: str, task_id: str, last_seq: int) -> list[dict]:
    headers = {**HEADERS_A, "Last-Event-ID": str(last_seq)}
    async with http.stream("GET", f"{url}/ai/api/tasks/{task_id}/events", headers=headers) as r:
        assert r.status_code == 200
        return [f.data async for f in sse_frames(r) if f.data is not None]


async def test_sigterm_fails_readiness_then_hands_streams_to_another_gateway(redis_server, real_redis):
    leaving, url_1 = start_gateway(redis_server.url, "gw-term", SHUTDOWN_DELAY_S="2", GRACEFUL_TIMEOUT_S="10")
    staying, url_2 = start_gateway(redis_server.url, "gw-stay")
    worker = await FakeWorker.connect(
        redis_server.url, token_delay_s=0.1, tokens=[f"t{i} " for i in range(40)]
    ).start()
    before, last_frame = [], None
    try:
        async with client() as http:
            assert (await http.get(url_1 + "/ai/api/health/ready")).status_code == 200
            body = {"message": "hi"}
            async with http.stream("POST", url_1 + "/ai/api/chat/stream", json=body, headers=HEADERS_A) as r:
                async for frame in sse_frames(r):
                    last_frame = frame
                    if frame.data is not None:
                        before.append(frame.data)
                    if len(before) == 5:
                        leaving.signal(signal.SIGTERM)
                        ready = await http.get(url_1 + "/ai/api/health/ready")
                        assert ready.status_code == 503 and ready.json() == {"status": "draining"}
            assert before[-1]["type"] != "complete", "the task ended before the gateway left"
            after = await _rejoin(http, url_2, before[0]["task_id"], before[-1]["seq"])
        code = await asyncio.to_thread(leaving.popen.wait, 20)
    finally:
        await worker.stop()
        leaving.stop()
        staying.stop()
    assert (last_frame.event, last_frame.retry, last_frame.id, last_frame.data) == (
        "reconnect",
        "1000",
        None,
        None,
    )
    assert code in (0, -signal.SIGTERM)
    events = before + after
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert events[-1]["type"] == "complete"
    assert answer_of(events) == events[-1]["response"]
