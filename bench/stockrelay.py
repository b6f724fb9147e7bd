"""The stock relay: the plain FastAPI + sse-starlette + Redis pub/sub pattern, as a baseline.

    python -m bench.stockrelay --redis-url redis://127.0.0.1:PORT/0 --port PORT

What most tutorials ship: per request, a new PubSub (its own Redis connection) subscribed to the
task's channel, then the task written and LPUSHed, then every message relayed as an SSE event until
the terminal one. No auth, no rate limit, no stream caps, no replay from the log, no watchdog. It
Its pool is sized for one connection per stream. It
enqueues exactly what the gateway enqueues (task hash, the `session` event through the event log,
the ChatTask on agent:tasks) so the same synthetic producer answers both; only the relay differs.
Run under the same uvicorn settings as `python -m backend`, so the comparison is of the relay code.
"""

from __future__ import annotations

import argparse
import time
import uuid

import uvicorn
from fastapi import FastAPI, Request
from redis.asyncio import Redis
from sse_starlette import EventSourceResponse, ServerSentEvent

from contract import (
    TERMINAL_TYPES,
    ChatTask,
    EventLog,
    SessionEvent,
    TaskField,
    TaskStatus,
    keys,
    peek,
)


def create_app(redis_url: str) -> FastAPI:
    app = FastAPI()
    redis = Redis.from_url(redis_url, max_connections=50_000)  # one per open stream, plus commands
    log = EventLog(redis)

    @app.get("/ai/api/health/live")
    async def live() -> dict:
        return {"status": "alive"}

    @app.post("/ai/api/chat/stream")
    async def chat(request: Request) -> EventSourceResponse:
        body = await request.json()
        task = ChatTask(session_id=uuid.uuid4().hex, owner="stock", message=body["message"])
        pubsub = redis.pubsub()
        await pubsub.subscribe(keys.task_channel(task.task_id))
        payload = task.model_dump_json()
        async with redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                keys.task(task.task_id),
                mapping={
                    TaskField.STATUS: TaskStatus.QUEUED.value,
                    TaskField.PAYLOAD: payload,
                    TaskField.CREATED_AT: repr(time.time()),
                },
            )
            await log.append_in(pipe, SessionEvent(task_id=task.task_id, session_id=task.session_id))
            pipe.lpush(keys.TASK_QUEUE, payload)
            await pipe.execute()

        async def relay():
            try:
                async for message in pubsub.listen():
                    if message["type"] != "message":
                        continue
                    data = message["data"]
                    seq, kind = peek(data)
                    yield ServerSentEvent(data=data.decode(), id=str(seq))
                    if kind in TERMINAL_TYPES:
                        return
            finally:
                await pubsub.aclose()

        return EventSourceResponse(relay())

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.redis_url),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
