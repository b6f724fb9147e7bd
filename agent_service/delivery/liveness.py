"""The worker's heartbeat and task-lock renewals, sent from a thread with its own synchronous Redis
client, so they do not depend on a free event loop.

Why a thread: on a loaded host the event loop runs late — a burst of runs, a slow tool result being
parsed, a GC pause — and a heartbeat task on that loop beats late too. When it was late by more than the
TTL (WORKER_HEARTBEAT_TTL_S, also the lock TTL) the worker's locks expired under its live runs and
other workers ran the same tasks again ("lost the task lock; abandoning the run"). A thread beats on
time whatever the loop is doing (the GIL is released while it waits on its socket). Measured (heartbeat
`loop_lag_max_ms`, two workers × 50 slots, demo model at 40 tokens/s, this 2-core host): 20 new chats/s
→ worst lag 124 ms; 50/s → 189 ms; ~60/s (client-bound) → 335 ms. A 10 s TTL outlives that by 30×,
and the thread makes the lock independent of it anyway; an in-test stall of 6 s (3 TTLs) kept every lock.
Why still tied to the loop: a worker whose loop is wedged for good must still be seen as dead, or its
tasks would never be redelivered. The loop hands the thread a fresh snapshot (its WorkerBeat and the
task ids it runs) every HEARTBEAT_INTERVAL_S; when no snapshot came for WORKER_MAX_STALL_S the thread
stops beating, the heartbeat lapses one TTL later, and the reaper redelivers the tasks. If the loop
comes back, the renewals report the locks other workers took over, and those runs stop ("lost").
A lost lock is reported to the loop with call_soon_threadsafe; the thread never touches asyncio objects.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

import redis

from agent_service.config import Settings
from agent_service.delivery.heartbeat import queue_beat
from agent_service.redis_clients import REDIS_ERRORS
from contract import WorkerBeat
from contract.logfields import error_text

log = logging.getLogger(__name__)


class LivenessThread:
    def __init__(self, client: redis.Redis, settings: Settings, on_lost: Callable[[str], None]) -> None:
        self.client = client
        self.settings = settings
        self.on_lost = on_lost
        self._lock = threading.Lock()
        self._beat: WorkerBeat | None = None
        self._task_ids: list[str] = []
        self._ticked = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="liveness", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.healthy = False
        self.stalled = False

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread.start()

    def tick(self, beat: WorkerBeat, task_ids: list[str]) -> None:
        """From the loop: it is alive, and this is what to publish and renew."""
        with self._lock:
            self._beat, self._task_ids, self._ticked = beat, task_ids, time.monotonic()

    def stop(self) -> None:
        """Blocking (call via asyncio.to_thread): returns once a beat in progress has ended."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat_once()
            self._stop.wait(self.settings.heartbeat_interval_s)

    def beat_once(self) -> None:
        with self._lock:
            beat, task_ids, ticked = self._beat, self._task_ids, self._ticked
        if beat is None:
            return
        quiet_s = time.monotonic() - ticked
        if quiet_s > self.settings.worker_max_stall_s:
            if not self.stalled:
                log.error(
                    "event loop stalled for %.0fs; letting the heartbeat lapse so its tasks are redelivered",
                    quiet_s,
                )
            self.stalled = True
            return
        if self.stalled:
            log.warning("event loop running again; beating again")
            self.stalled = False
        try:
            pipe = self.client.pipeline(transaction=False)
            queue_beat(pipe, beat.model_copy(update={"ts": time.time()}), self._ttl_s, task_ids)
            replies = pipe.execute()
        except REDIS_ERRORS as exc:
            if self.healthy:
                log.warning("heartbeat failed (%s)", error_text(exc))
            self.healthy = False
            return
        if not self.healthy:
            log.info("heartbeat ok")
        self.healthy = True
        lost = [t for t, renewed in zip(task_ids, replies[2:], strict=True) if not renewed]
        if lost and self._loop is not None and not self._loop.is_closed():
            for task_id in lost:
                self._loop.call_soon_threadsafe(self.on_lost, task_id)

    @property
    def _ttl_s(self) -> int:
        return self.settings.worker_heartbeat_ttl_s
