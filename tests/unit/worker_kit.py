"""Helpers for the worker unit tests: a gateway-like enqueue on fakeredis, scripted model steps, a runner."""

from __future__ import annotations

import asyncio
import json
import time

from agents import Agent, RunConfig, function_tool
from agents.testing import ModelStep, ScriptedModel, assistant_message, function_call
from agents.testing.model import _stream_events_for_step
from agents.usage import Usage as SdkUsage
from openai.types.responses import ResponseTextDeltaEvent
from support.waiting import wait_until

from agent_service.config import Settings
from agent_service.delivery.pickup import AgentSetup, TaskDelivery
from agent_service.delivery.taskqueue import TaskQueue
from agent_service.metrics import WorkerMetrics
from agent_service.observation import ModelCallHooks
from contract import ChatTask, EventLog, SessionEvent, TaskField, keys, parse_event


@function_tool
def run_sql(query: str) -> str:
    """Run a read-only SQL query."""
    return json.dumps([{"customer": "ann", "total": 15}])


def settings(**over) -> Settings:
    base = dict(worker_id="w-test", token_flush_ms=20, max_attempts=3, task_timeout_s=30, max_turns=5)
    base.update(over)
    return Settings(**base)


def text_step(chunks: list[str], delay: float = 0.0, usage: SdkUsage | None = None) -> ModelStep:
    """A model turn streaming `chunks` as separate deltas, `delay` seconds apart."""
    step = ModelStep(output=[assistant_message("".join(chunks))], usage=usage or SdkUsage())
    events = _stream_events_for_step(step, preserve_raw_usage=False)

    async def stream(_call):
        for ev in events:
            if isinstance(ev, ResponseTextDeltaEvent):
                for chunk in chunks:
                    if delay:
                        await asyncio.sleep(delay)
                    yield ev.model_copy(update={"delta": chunk})
            else:
                yield ev

    return ModelStep.stream(stream)


def sql_call(call_id: str = "c1", usage: SdkUsage | None = None) -> ModelStep:
    return ModelStep(
        output=[function_call("run_sql", {"query": "select 1"}, call_id=call_id)], usage=usage or SdkUsage()
    )


def make_runner(
    redis, model: ScriptedModel, cfg: Settings | None = None, metrics: WorkerMetrics | None = None
) -> TaskDelivery:
    """The worker's delivery over `model`; with `metrics`, observed as the worker observes its runs."""
    cfg = cfg or settings()
    agent = Agent(name="analyst", model=model, tools=[run_sql])
    hooks = ModelCallHooks(metrics) if metrics is not None else None
    setup = AgentSetup(agent, RunConfig(tracing_disabled=True), hooks)
    return TaskDelivery(
        cfg, redis, TaskQueue(redis, redis, cfg.worker_id), lambda _agent: setup, metrics=metrics
    )


async def enqueue(
    redis, message: str = "totals?", session_id: str = "s1", replaces: str = "", **hash_fields
) -> tuple[ChatTask, str]:
    """What the gateway does at enqueue (session hash, task hash, SessionEvent seq 0), then the
    payload is placed in the worker's processing list as BLMOVE would."""
    task = ChatTask(session_id=session_id, owner="o1", message=message, request_id="r1", replaces=replaces)
    payload = task.model_dump_json()
    await redis.hset(
        keys.session(session_id),
        mapping={"owner": "o1", "created_at": time.time(), "active_task": task.task_id},
    )
    await redis.zadd(keys.owner_sessions("o1"), {session_id: time.time()})
    await redis.hset(
        keys.task(task.task_id),
        mapping={
            TaskField.STATUS: "queued",
            TaskField.ATTEMPTS: 0,
            TaskField.PAYLOAD: payload,
            **hash_fields,
        },
    )
    await EventLog(redis).append(
        SessionEvent(task_id=task.task_id, session_id=session_id), session_id=session_id
    )
    await redis.lpush(keys.processing("w-test"), payload)
    return task, payload


async def events_of(redis, task_id: str) -> list:
    return [parse_event(e.data) for e in await EventLog(redis).read(task_id)]


async def first_token(redis, task_id: str) -> None:
    """Wait until the run has streamed a token."""

    async def streamed() -> bool:
        return any(e.type == "token" for e in await events_of(redis, task_id))

    await wait_until(streamed, what="the first token")


def types(events) -> list[str]:
    return [e.type for e in events]
