"""A worker whose event loop stalls keeps its heartbeat and its task locks (real Redis, a real second
worker process whose reaper would redeliver the task if the first looked dead)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import redis
from agents import Agent, RunConfig
from agents.testing import ModelStep, ScriptedModel, assistant_message
from agents.testing.model import _stream_events_for_step
from agents.usage import Usage
from openai.types.responses import ResponseTextDeltaEvent
from support.waiting import wait_until

from agent_service.config import Settings
from agent_service.delivery.pickup import AgentSetup
from agent_service.worker import Worker
from contract import keys
from tests.integration.worker_stack import (
    Workers,
    enqueue,
    events,
    wait_heartbeat,
    wait_terminal,
)

pytestmark = pytest.mark.integration

STALL_S = 6.0  # three heartbeat TTLs
TTL_S = 2


def stalling_step(stall_now: asyncio.Event) -> ModelStep:
    """A model turn that streams one token, waits for `stall_now`, then blocks the whole event loop."""
    chunks = ["before ", "after"]
    step = ModelStep(output=[assistant_message("".join(chunks))], usage=Usage())
    evs = _stream_events_for_step(step, preserve_raw_usage=False)

    async def stream(_call):
        for ev in evs:
            if not isinstance(ev, ResponseTextDeltaEvent):
                yield ev
                continue
            yield ev.model_copy(update={"delta": chunks[0]})
            await stall_now.wait()
            time.sleep(STALL_S)  # noqa: ASYNC251 -- the stall under test
            yield ev.model_copy(update={"delta": chunks[1]})

    return ModelStep.stream(stream)


class Watch(threading.Thread):
    """Samples the lock holder and the heartbeat from outside the stalled loop."""

    def __init__(self, url: str, task_id: str, worker_id: str) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(url)
        self.lock, self.beat = keys.task_lock(task_id), keys.heartbeat(worker_id)
        self.samples: list[tuple[bytes | None, bool]] = []

    def run(self) -> None:
        """Samples for STALL_S from the moment it starts (just before the stall)."""
        end = time.monotonic() + STALL_S
        while time.monotonic() < end:
            self.samples.append((self.client.get(self.lock), bool(self.client.exists(self.beat))))
            time.sleep(0.1)


async def test_a_stalled_event_loop_keeps_its_task_locks_and_heartbeat(redis_server, real_redis, tmp_path):
    stall_now = asyncio.Event()
    settings = Settings(
        redis_url=redis_server.url,
        worker_id="w-stalling",
        heartbeat_interval_s=0.5,
        worker_heartbeat_ttl_s=TTL_S,
        reaper_interval_s=0.5,
        poll_timeout_s=1,
    )
    agent = Agent(name="stall", model=ScriptedModel([stalling_step(stall_now)]))
    worker = Worker(settings, setup=AgentSetup(agent, RunConfig(tracing_disabled=True)))
    running = asyncio.create_task(worker.serve())
    others = Workers(redis_server.url, tmp_path / "logs")
    try:
        await wait_heartbeat(real_redis, "w-stalling")
        task = await enqueue(real_redis)

        async def streaming() -> bool:
            return "token" in [e.type for e in await events(real_redis, task.task_id)]

        await wait_until(streaming, 20, what="the first token")
        other = others.start()  # its reaper redelivers the task if w-stalling ever looks dead
        await wait_heartbeat(real_redis, other.worker_id)
        watch = Watch(redis_server.url, task.task_id, "w-stalling")
        watch.start()
        stall_now.set()
        evs = await wait_terminal(real_redis, task.task_id, workers=others)
        watch.join()
        assert [e.type for e in evs][-2:] == ["token", "complete"] and "retry" not in [e.type for e in evs]
        assert len(watch.samples) >= STALL_S / 0.1 * 0.8
        assert all(holder == b"w-stalling" and beating for holder, beating in watch.samples), watch.samples
        assert "redelivered" not in others.logs()
    finally:
        worker.request_stop()
        await asyncio.wait_for(running, 30)
        others.stop_all()
