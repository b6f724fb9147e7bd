"""One fake worker for the gateway's tests, on fakeredis or a real redis-server.

It does on the wire what a real worker does and nothing more: it beats as a live worker with free
slots (what the gateway admits by), moves each task from agent:tasks into its processing list, marks
it running, streams the answer as token events through the real EventLog and ends with `complete`
carrying the transcript turn, so the event-log script records the turn exactly as it records a real
run's. The turn has the shape agent_service/execution/record.py gives it (the question at the task's
creation time, the completed answer now, no steps), built from the contract's types.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from contract import (
    ChatTask,
    CompleteEvent,
    EventLog,
    TaskField,
    TokenEvent,
    TranscriptMessage,
    WorkerBeat,
    keys,
)
from contract.agents import AgentInfo
from contract.settings import SharedSettings
from contract.transcript import Turn

SESSION_TTL_S: int = SharedSettings.model_fields["session_ttl_s"].default
BEAT_EVERY_S = 1.0
"""Beats are renewed this often, so the worker is seen again soon after a Redis restart."""


@dataclass
class FakeWorker:
    """Takes tasks one at a time and answers each with `answer`, split into token events."""

    redis: aioredis.Redis
    """Any asyncio client with decode_responses=True (fakeredis or real); closed by `stop` only when
    the worker made it (`connect`)."""
    answer: str = "The answer is 42."
    tokens: list[str] | None = None
    """The token contents to stream; None: the answer's words (each after the first with its space).
    Given, the answer is their concatenation."""
    token_delay_s: float = 0.0
    start_delay_s: float = 0.0
    hold: bool = False
    """Take nothing (tasks stay queued); the heartbeat still admits chats."""
    worker_id: str = "fake-worker"
    concurrency: int = 50
    agents: list[AgentInfo] = field(default_factory=list)
    """What its heartbeat advertises (empty: the default agent, as a worker from before agents)."""
    taken: list[ChatTask] = field(default_factory=list)
    """Every task taken, in order."""
    done: list[str] = field(default_factory=list)
    """The task ids whose `complete` was appended."""
    owns_redis: bool = False
    _task: asyncio.Task | None = None
    _stopping: bool = False

    @classmethod
    def connect(cls, redis_url: str, **options) -> FakeWorker:
        """A worker on its own client of a real Redis, which `stop` closes."""
        client = aioredis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
        return cls(client, owns_redis=True, **options)

    async def start(self) -> FakeWorker:
        """Beat, then take tasks: once started, the worker admits chats (a gateway reads no capacity
        before the first beat has landed)."""
        await self.beat()
        self._task = asyncio.create_task(self._loop())
        return self

    async def beat(self) -> None:
        """Publish a heartbeat as a live worker with all its slots free (what the gateway admits by)."""
        beat = WorkerBeat(
            worker_id=self.worker_id,
            concurrency=self.concurrency,
            free_slots=self.concurrency,
            agents=self.agents,
        )
        await self.redis.set(keys.heartbeat(self.worker_id), beat.model_dump_json(), ex=60)
        await self.redis.sadd(keys.WORKERS, self.worker_id)

    async def stop(self) -> None:
        """Flag first, then cancel: a cancellation swallowed inside a client call must not leave
        the loop running (and the fixture teardown waiting forever)."""
        self._stopping = True
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, 5)
        if self.owns_redis:
            await self.redis.aclose()

    async def _loop(self) -> None:
        log = EventLog(self.redis)
        processing = keys.processing(self.worker_id)
        beaten = time.monotonic()
        while not self._stopping:
            try:
                if time.monotonic() - beaten >= BEAT_EVERY_S:
                    await self.beat()
                    beaten = time.monotonic()
                if self.hold:
                    await asyncio.sleep(0.01)
                    continue
                raw = await self.redis.lmove(keys.TASK_QUEUE, processing, "RIGHT", "LEFT")
                if raw is None:
                    await asyncio.sleep(0.005)
                    continue
                task = ChatTask.model_validate_json(raw)
                self.taken.append(task)
                await self._run(log, task)
                await self.redis.lrem(processing, 0, raw)
            except (RedisError, OSError):  # Redis restarting: beat again once it is back
                beaten = 0.0
                await asyncio.sleep(0.2)

    async def _run(self, log: EventLog, task: ChatTask) -> None:
        tkey = keys.task(task.task_id)
        if await self.redis.hget(tkey, TaskField.STATUS) != "queued":
            return
        await self.redis.hset(tkey, mapping={TaskField.STATUS: "running", TaskField.STARTED_AT: time.time()})
        await self.redis.hincrby(tkey, TaskField.ATTEMPTS, 1)
        await asyncio.sleep(self.start_delay_s)
        tokens = self.tokens if self.tokens is not None else _words(self.answer)
        for piece in tokens:
            if not (await log.append(TokenEvent(task_id=task.task_id, content=piece))).ok:
                return
            if self.token_delay_s:
                await asyncio.sleep(self.token_delay_s)
        answer = "".join(tokens)
        done = CompleteEvent(task_id=task.task_id, response=answer, session_id=task.session_id)
        await log.append(done, session_id=task.session_id, turn=_turn(task, answer))
        self.done.append(task.task_id)


def _words(answer: str) -> list[str]:
    words = answer.split(" ")
    return [word if i == 0 else " " + word for i, word in enumerate(words)]


def _turn(task: ChatTask, answer: str) -> Turn:
    """The transcript turn of a completed run, as RunRecord.turn makes it."""
    user = TranscriptMessage(role="user", text=task.message, task_id=task.task_id, created_at=task.created_at)
    assistant = TranscriptMessage(
        role="assistant", text=answer, task_id=task.task_id, created_at=time.time(), status="completed"
    )
    return Turn(user=user, assistant=assistant, owner=task.owner, ttl_s=SESSION_TTL_S)
