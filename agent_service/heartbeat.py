"""Worker liveness in Redis: the heartbeat key the reaper, the gateway's health endpoint and
`python -m agent_service --check` (compose healthcheck) read.

SET agent:worker:{w}:heartbeat <json> EX WORKER_HEARTBEAT_TTL_S every HEARTBEAT_INTERVAL_S and
SADD agent:workers w. A missing key means a dead worker (its tasks get redelivered), so the TTL is the
failure-detection time. Each beat also renews the locks of the tasks this worker runs (same TTL), so a
lock outlives its worker by at most one TTL.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time

from redis.asyncio import Redis

from agent_service.config import Settings
from agent_service.eventsink import REDIS_ERRORS
from agent_service.runner import TaskRunner
from backend.contract import keys

log = logging.getLogger(__name__)

_REMOVE = """
redis.call('DEL', KEYS[1])
if redis.call('LLEN', KEYS[3]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) return 1 end
return 0
"""


class Heartbeat:
    def __init__(self, redis: Redis, settings: Settings, runner: TaskRunner) -> None:
        self.redis = redis
        self.settings = settings
        self.runner = runner
        self.worker_id = runner.worker_id
        self.started_at = time.time()
        self.healthy = False
        self._remove = redis.register_script(_REMOVE)

    def payload(self) -> str:
        return json.dumps(
            {
                "worker_id": self.worker_id,
                "pid": os.getpid(),
                "running": len(self.runner.active),
                "concurrency": self.settings.worker_concurrency,
                "model_provider": self.settings.model_provider,
                "started_at": self.started_at,
                "ts": time.time(),
            }
        )

    async def beat(self) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.heartbeat(self.worker_id), self.payload(), ex=self.settings.worker_heartbeat_ttl_s)
            pipe.sadd(keys.WORKERS, self.worker_id)
            await pipe.execute()
        await self.runner.renew_locks()

    async def run(self) -> None:
        """Beat forever. Never dies on an error: a silent heartbeat makes this worker look dead and
        its live tasks get run a second time elsewhere."""
        while True:
            try:
                await self.beat()
                if not self.healthy:
                    log.info("heartbeat ok")
                self.healthy = True
            except REDIS_ERRORS as exc:
                if self.healthy:
                    log.warning("heartbeat failed (%s: %s)", type(exc).__name__, exc)
                self.healthy = False
            except Exception:
                if self.healthy:
                    log.exception("heartbeat failed")
                self.healthy = False
            await asyncio.sleep(self.settings.heartbeat_interval_s)

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
    for member in await redis.smembers(keys.WORKERS):
        worker = member.decode() if isinstance(member, bytes) else member
        if worker.startswith(host) and await redis.exists(keys.heartbeat(worker)):
            return True
    return False
