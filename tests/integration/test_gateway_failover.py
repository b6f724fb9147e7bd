"""Streams survive losing their gateway: resume on another replica with Last-Event-ID."""

from __future__ import annotations

import pytest
from gateway_harness import answer_of, client, sse_frames, start_gateway
from support.fakeworker import FakeWorker
from support.keys import HEADERS_A

pytestmark = pytest.mark.integration


async def _read_some(http, url: str, n: int) -> list[dict]:
    events = []
    async with http.stream(
        "POST", url + "/ai/api/chat/stream", json={"message": "hi"}, headers=HEADERS_A
    ) as r:
        assert r.status_code == 200
        async for frame in sse_frames(r):
            events.append(frame.data)
            if len(events) >= n:
                break  # the client drops mid-answer
    return events


async def _rejoin(http, url: str, task_id: str, last_seq: int) -> list[dict]:
    headers = {**HEADERS_A, "Last-Event-ID": str(last_seq)}
    async with http.stream("GET", f"{url}/ai/api/tasks/{task_id}/events", headers=headers) as r:
        assert r.status_code == 200
        return [f.data async for f in sse_frames(r) if f.data is not None]


async def test_dropped_stream_rejoins_on_another_gateway_without_gap_or_duplicate(redis_server, real_redis):
    first, url_1 = start_gateway(redis_server.url, "gw-a")
    second, url_2 = start_gateway(redis_server.url, "gw-b")
    worker = await FakeWorker.connect(
        redis_server.url, token_delay_s=0.05, tokens=[f"t{i} " for i in range(40)]
    ).start()
    try:
        async with client() as http:
            before = await _read_some(http, url_1, 10)
            after = await _rejoin(http, url_2, before[0]["task_id"], before[-1]["seq"])
    finally:
        await worker.stop()
        first.stop()
        second.stop()
    events = before + after
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert events[-1]["type"] == "complete"
    assert answer_of(events) == events[-1]["response"]
