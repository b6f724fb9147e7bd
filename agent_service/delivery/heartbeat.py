"""Worker liveness in Redis: the heartbeat key the reaper, the gateway (health, admission) and
`python -m agent_service --check` (compose healthcheck) read.

SET agent:worker:{w}:heartbeat <WorkerBeat json> EX WORKER_HEARTBEAT_TTL_S every HEARTBEAT_INTERVAL_S
and SADD agent:workers w. A missing key means a dead worker (its tasks get redelivered), so the TTL is
the failure-detection time. Each beat also renews the locks of the tasks this worker runs (same TTL),
in the same pipeline: one round trip for all of them, however many runs there are.
In a worker process the beats are sent by the liveness thread (liveness.py), so a busy event loop
cannot make the worker look dead or lose its locks; this loop only measures its own lag and hands
the thread a fresh snapshot each interval. Without a thread (unit tests on fakeredis) it beats itself.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable

from redis.asyncio import Redis

from agent_service.config import Settings
from agent_service.delivery.pickup import TaskDelivery
from agent_service.delivery.tasklock import RENEW
from agent_service.redis_clients import REDIS_ERRORS
from contract import WorkerBeat, keys
from contract.agents import AgentInfo
from contract.logfields import error_text

log = logging.getLogger(__name__)

LAG_SAMPLE_S = 0.25
"""The loop measures its lag by how late a sleep of this length wakes up."""

_REMOVE = """
redis.call('DEL', KEYS[1])
if redis.call('LLEN', KEYS[3]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) return 1 end
return 0
"""


def queue_beat(pipe, beat: WorkerBeat, ttl_s: int, task_ids: list[str]) -> None:
    """Queue one beat on a (sync or asyncio) pipeline: heartbeat, membership, then one lock renewal
    per task id; the renewals' replies (1 renewed, 0 lost) follow the first two."""
    pipe.set(keys.heartbeat(beat.worker_id), beat.model_dump_json(), ex=ttl_s)
    pipe.sadd(keys.WORKERS, beat.worker_id)
    for task_id in task_ids:  # execute_command: redis-py's synchronous ClusterPipeline has no eval()
        pipe.execute_command("EVAL", RENEW, 1, keys.task_lock(task_id), beat.worker_id, ttl_s * 1000)


class Heartbeat:
    def __init__(
        self,
        redis: Redis,
        settings: Settings,
        delivery: TaskDelivery,
        busy: Callable[[], int] | None = None,
        accepting: Callable[[], bool] | None = None,
        keeper=None,
        role_warnings: Callable[[], list[str]] | None = None,
        agents: Callable[[], list[AgentInfo]] | None = None,
    ) -> None:
        self.redis = redis
        self.settings = settings
        self.delivery = delivery
        self.worker_id = delivery.worker_id
        self.started_at = time.time()
        self.healthy = False
        self.busy = busy or (lambda: len(delivery.active))
        """Slots in use (the worker counts runs it has taken, not only the ones already started)."""
        self.accepting = accepting or (lambda: True)
        self.keeper = keeper
        """The liveness thread that sends the beats, if any (liveness.py)."""
        self.role_warnings = role_warnings or list
        """What the analytics server said its database role can do that it must not (ToolServer)."""
        self.agents = agents or list
        """The agents this worker runs (advertised to the gateway)."""
        self.lag_ms = 0.0
        self.lag_max_ms = 0.0
        self._remove = redis.register_script(_REMOVE)

    def snapshot(self) -> WorkerBeat:
        concurrency = self.settings.worker_concurrency
        busy = self.busy()
        accepting = self.accepting()
        meter = self.delivery.throughput
        meter.sample(busy, concurrency)
        return WorkerBeat(
            worker_id=self.worker_id,
            pid=os.getpid(),
            model_provider=self.settings.model_provider,
            started_at=self.started_at,
            ts=time.time(),
            concurrency=concurrency,
            running=len(self.delivery.active),
            free_slots=max(concurrency - busy, 0) if accepting else 0,
            accepting=accepting,
            run_s=round(self.delivery.mean_run_s, 3),
            drain_per_s=round(meter.drain_per_s, 3),
            loop_lag_ms=round(self.lag_ms, 1),
            loop_lag_max_ms=round(self.lag_max_ms, 1),
            database_role_warnings=self.role_warnings(),
            agents=self.agents(),
        )

    def payload(self) -> str:
        return self.snapshot().model_dump_json()

    async def beat(self) -> None:
        task_ids = list(self.delivery.active)
        async with self.redis.pipeline(transaction=False) as pipe:
            queue_beat(pipe, self.snapshot(), self.settings.worker_heartbeat_ttl_s, task_ids)
            replies = await pipe.execute()
        for task_id, renewed in zip(task_ids, replies[2:], strict=True):
            if not renewed:
                self.delivery.lock_lost(task_id)

    async def beat_forever(self) -> None:
        """Beat (or hand the thread its snapshot) every interval, forever, measuring the loop's lag
        in between. Never dies on an error: a silent heartbeat makes this worker look dead and its
        live tasks get run a second time elsewhere."""
        while True:
            await self._once()
            self.lag_ms = 0.0
            deadline = time.monotonic() + self.settings.heartbeat_interval_s
            while (left := deadline - time.monotonic()) > 0:
                step = min(LAG_SAMPLE_S, left)
                woke = time.monotonic()
                await asyncio.sleep(step)
                lag = max(time.monotonic() - woke - step, 0.0) * 1000
                self.lag_ms = max(self.lag_ms, lag)
                self.lag_max_ms = max(self.lag_max_ms, lag)

    async def _once(self) -> None:
        if self.keeper is not None:
            self.keeper.tick(self.snapshot(), list(self.delivery.active))
            return
        try:
            await self.beat()
            if not self.healthy:
                log.info("heartbeat ok")
            self.healthy = True
        except REDIS_ERRORS as exc:
            if self.healthy:
                log.warning("heartbeat failed (%s)", error_text(exc))
            self.healthy = False
        except Exception:
            if self.healthy:
                log.exception("heartbeat failed")
            self.healthy = False

    async def remove(self) -> None:
        """Delete the heartbeat; leave agent:workers only when the processing list is empty, so tasks
        still in it (a failed hand-back) are redelivered by the reaper instead of being stranded."""
        await self._remove(
            keys=[keys.heartbeat(self.worker_id), keys.WORKERS, keys.processing(self.worker_id)],
            args=[self.worker_id],
        )


async def check(settings: Settings, redis: Redis) -> bool:
    """True when a heartbeat is fresh: this WORKER_ID's if one was configured, else one of this host's.

    Default worker ids start with the hostname, so in a container (one hostname per replica) the
    compose healthcheck `python -m agent_service --check` reports on its own worker, not any worker.
    """
    if "worker_id" in settings.model_fields_set:
        return bool(await redis.exists(keys.heartbeat(settings.worker_id)))
    host = socket.gethostname() + "-"
    for worker in await redis.smembers(keys.WORKERS):
        if worker.startswith(host) and await redis.exists(keys.heartbeat(worker)):
            return True
    return False
