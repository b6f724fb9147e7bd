"""Fixtures shared by the gateway unit tests: one fakeredis server for the app, the test and a fake
worker that consumes agent:tasks and appends events through the real EventLog (a faithful fake of the
worker side of the contract). Test modules may override any of them."""

from __future__ import annotations

import fakeredis
import pytest
from support.fakeworker import FakeWorker


@pytest.fixture
def server():
    return fakeredis.FakeServer()


@pytest.fixture
async def redis(server):
    client = fakeredis.FakeAsyncRedis(server=server, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
async def worker(server):
    w = await FakeWorker(fakeredis.FakeAsyncRedis(server=server, decode_responses=True)).start()
    yield w
    await w.stop()


@pytest.fixture
async def idle_worker(server):
    """A live worker (its heartbeat admits chats) that takes nothing: tasks stay queued."""
    w = await FakeWorker(
        fakeredis.FakeAsyncRedis(server=server, decode_responses=True), hold=True, worker_id="idle-worker"
    ).start()
    yield w
    await w.stop()
