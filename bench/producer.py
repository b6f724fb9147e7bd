"""The synthetic producer: a stand-in worker that answers every task with the fixed `Answer`.

    python -m bench.producer --redis-url redis://127.0.0.1:PORT/0 [--tokens 200 --tokens-per-s 40 ...]

It takes tasks the way a worker does (BLMOVE agent:tasks → its processing list), marks them running,
writes the answer through the REAL event log (`EventLog.append`: the Lua script, XADD + PUBLISH) and
removes the task from its processing list. It beats like a worker (a contract `WorkerBeat` with its free
slots), so gateway checks that look for live workers see one. No agent, no model, no tools:
what a relay costs is measured apart from what an agent costs. The stock relay is fed by the same
process, so both relays see the same Redis traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from redis.asyncio import BlockingConnectionPool, Redis

from bench import answer as answer_mod
from contract import ChatTask, EventLog, TaskField, TaskStatus, WorkerBeat, keys

HEARTBEAT_TTL_S = 10


class Producer:
    def __init__(self, redis_url: str, worker_id: str, concurrency: int, answer: answer_mod.Answer) -> None:
        pool = BlockingConnectionPool.from_url(redis_url, max_connections=64, timeout=30)
        self.redis = Redis(connection_pool=pool)
        self.blocking = Redis.from_url(redis_url, socket_timeout=None)
        self.log = EventLog(self.redis)
        self.worker_id = worker_id
        self.concurrency = concurrency
        self.answer = answer
        self.running: set[asyncio.Task] = set()
        self.slots = asyncio.Semaphore(concurrency)

    async def beat_forever(self) -> None:
        while True:
            beat = WorkerBeat(
                worker_id=self.worker_id,
                pid=os.getpid(),
                model_provider="bench-producer",
                ts=time.time(),
                concurrency=self.concurrency,
                running=len(self.running),
                free_slots=self.concurrency - len(self.running),
                run_s=self.answer.tokens / self.answer.tokens_per_s if self.answer.tokens_per_s else 0.1,
            )
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(keys.heartbeat(self.worker_id), beat.model_dump_json(), ex=HEARTBEAT_TTL_S)
                pipe.sadd(keys.WORKERS, self.worker_id)
                await pipe.execute()
            await asyncio.sleep(1)

    async def serve(self) -> None:
        beats = asyncio.create_task(self.beat_forever())
        await asyncio.sleep(0)
        print("READY", flush=True)
        try:
            while True:
                await self.slots.acquire()
                payload = await self.blocking.blmove(
                    keys.TASK_QUEUE, keys.processing(self.worker_id), 1, "RIGHT", "LEFT"
                )
                if payload is None:
                    self.slots.release()
                    continue
                task = asyncio.create_task(self.run(payload))
                self.running.add(task)
                task.add_done_callback(self._done)
        finally:
            beats.cancel()

    def _done(self, task: asyncio.Task) -> None:
        self.running.discard(task)
        self.slots.release()
        if not task.cancelled() and task.exception() is not None:
            print(f"producer: run failed: {task.exception()!r}", flush=True)

    async def run(self, payload: bytes) -> None:
        task = ChatTask.model_validate_json(payload)
        await self.redis.hset(
            keys.task(task.task_id),
            mapping={TaskField.STATUS: TaskStatus.RUNNING.value, TaskField.WORKER: self.worker_id},
        )
        async for event in self.answer.events(task.task_id, task.session_id):
            await self.log.append(event, session_id=task.session_id)
        await self.redis.lrem(keys.processing(self.worker_id), 1, payload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--worker-id", default=f"bench-producer-{os.getpid()}")
    parser.add_argument("--concurrency", type=int, default=20000)
    answer_mod.add_arguments(parser)
    args = parser.parse_args()
    producer = Producer(args.redis_url, args.worker_id, args.concurrency, answer_mod.from_args(args))
    asyncio.run(producer.serve())


if __name__ == "__main__":
    main()
