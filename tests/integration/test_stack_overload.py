"""Overload is answered at the door, never by failing accepted work: real redis-server, gateway and
worker processes, a worker with two slots whose runs take ~2 s (the scripted OpenAI-compatible server
streams slowly), and a burst of chats far past what it can start within ADMIT_MAX_WAIT_S.

One burst per module (a calibration chat first, so the worker has measured its run time): the tests
read what the burst did. Past the predicted wait the gateway refuses before accepting (503,
Retry-After, a JSON error); every chat that got its `session` event ends in `complete`.
"""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from stack_kit import LiveStack, chat, seqs_contiguous

from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.integration

SLOW = "[[slow delay_ms=50 tokens=40]]"
"""One model call streaming 40 tokens 50 ms apart: a run of about 2 s, no tool call."""
BURST = 10
MAX_WAIT_S = 3


@pytest.fixture(scope="module")
def fake_openai():
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture(scope="module")
def burst(fake_openai):
    with LiveStack(
        worker_env={
            "MODEL_PROVIDER": "openai",
            "OPENAI_API_KEY": "sk-local-test",
            "OPENAI_BASE_URL": fake_openai.base_url,
            "WORKER_CONCURRENCY": "2",
        },
        gateway_env={"ADMIT_MAX_WAIT_S": str(MAX_WAIT_S), "BUSY_RETRY_AFTER_S": "1"},
    ) as stack:
        stack.gateway()
        stack.worker()
        stack.wait_workers(1)

        async def run() -> tuple[object, list]:
            async with httpx2.AsyncClient(limits=httpx2.Limits(max_connections=50)) as client:
                calibration = await chat(client, stack.urls[0], f"warm up {SLOW}")
                await asyncio.sleep(1.5)  # a heartbeat carries the measured run time
                frames = await asyncio.gather(
                    *(chat(client, stack.urls[0], f"chat {i} {SLOW}") for i in range(BURST))
                )
            return calibration, list(frames)

        calibration, frames = asyncio.run(run())
        assert calibration.terminal["type"] == "complete", calibration.events[-1:]
        yield frames


def test_chats_past_the_predicted_wait_get_503_with_retry_after_and_a_json_error(burst):
    refused = [f for f in burst if f.status != 200]
    assert refused, "the burst was larger than two slots can start within the wait limit"
    for frames in refused:
        assert frames.status == 503
        assert int(frames.headers["Retry-After"]) >= 1
        assert "busy" in frames.body["detail"]


def test_every_chat_accepted_during_the_overload_ends_complete(burst):
    accepted = [f for f in burst if f.status == 200]
    assert len(accepted) >= 2  # the free slots, at least
    for frames in accepted:
        assert frames.types[0] == "session"
        assert frames.terminal is not None and frames.terminal["type"] == "complete", frames.events[-1:]
        assert seqs_contiguous(frames.events)
