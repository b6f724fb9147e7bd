"""Helpers for the worker integration tests: real redis-server, real `python -m agent_service` processes,
and a gateway-like enqueue (the gateway is not needed to test the worker)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from support.waiting import wait_until

from contract import ChatTask, EventLog, SessionEvent, TaskField, keys, parse_event
from devstack.processes import ROOT, Proc, spawn

FAST_ENV = {
    "MODEL_PROVIDER": "demo",
    "HEARTBEAT_INTERVAL_S": "0.5",
    "WORKER_HEARTBEAT_TTL_S": "2",
    "REAPER_INTERVAL_S": "0.5",
    "POLL_TIMEOUT_S": "1",
    "DEMO_TOKENS_PER_S": "0",
    "LOG_JSON": "true",
    "WORKER_CONCURRENCY": "4",
}

QUESTION = "top 3 customers by revenue"


class Workers:
    """Started worker processes, stopped (SIGKILL if needed) at teardown."""

    def __init__(self, redis_url: str, log_dir: Path) -> None:
        self.redis_url = redis_url
        self.log_dir = log_dir
        self.procs: list[Proc] = []

    def start(self, **extra: str) -> Proc:
        name = f"worker-{len(self.procs)}"
        env = {
            **FAST_ENV,
            "REDIS_URL": self.redis_url,
            "WORKER_ID": f"{socket.gethostname()}-{name}-{os.getpid()}",
            **extra,
        }
        proc = spawn(name, "agent_service", env, self.log_dir)
        proc.worker_id = env["WORKER_ID"]  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for p in self.procs:
            if p.alive():
                p.popen.kill()
                p.popen.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log()[-3000:]}" for p in self.procs)


def check(redis_url: str, **env: str) -> int:
    full = {**os.environ, "REDIS_URL": redis_url, **env}
    return subprocess.run(
        [sys.executable, "-m", "agent_service", "--check"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        timeout=30,
    ).returncode


async def wait_heartbeat(r, worker_id: str, within: float = 60) -> None:
    await wait_until(
        lambda: r.exists(keys.heartbeat(worker_id)),
        within,
        what=f"a heartbeat from {worker_id}",
        interval=0.1,
    )


async def enqueue(
    r, message: str = QUESTION, session_id: str = "s1", created_at: float | None = None
) -> ChatTask:
    """What the gateway does at enqueue, in one MULTI."""
    task = ChatTask(
        session_id=session_id,
        owner="o1",
        message=message,
        request_id="req-1",
        **({"created_at": created_at} if created_at else {}),
    )
    payload = task.model_dump_json()
    log = EventLog(r)
    async with r.pipeline(transaction=True) as pipe:
        pipe.hset(
            keys.task(task.task_id),
            mapping={
                TaskField.STATUS: "queued",
                TaskField.OWNER: "o1",
                TaskField.SESSION_ID: session_id,
                TaskField.PAYLOAD: payload,
                TaskField.CREATED_AT: task.created_at,
                TaskField.ATTEMPTS: 0,
            },
        )
        pipe.hset(
            keys.session(session_id),
            mapping={"owner": "o1", "created_at": time.time(), "active_task": task.task_id},
        )
        await log.append_in(
            pipe, SessionEvent(task_id=task.task_id, session_id=session_id), session_id=session_id
        )
        pipe.lpush(keys.TASK_QUEUE, payload)
        await pipe.execute()
    return task


async def events(r, task_id: str) -> list:
    return [parse_event(e.data) for e in await EventLog(r).read(task_id)]


async def wait_terminal(r, task_id: str, within: float = 60, workers: Workers | None = None) -> list:
    async def ended() -> list | None:
        evs = await events(r, task_id)
        return evs if evs and evs[-1].terminal else None

    try:
        return await wait_until(ended, within, what=f"a terminal event for {task_id}", interval=0.1)
    except AssertionError as exc:
        seen = [e.type for e in await events(r, task_id)]
        raise AssertionError(f"{exc}: {seen}\n" + (workers.logs() if workers else "")) from None
