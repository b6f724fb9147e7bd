"""Probes. Liveness never touches Redis (a Redis outage must not restart healthy gateways);
readiness fails at once on SIGTERM and when Redis is unreachable; /health reports the fleet: live
workers, queue depth, models, the capacity the gateway admits new chats by (backend/capacity.py) and
each worker's slots and event-loop lag, the analytics schema cache's hit rate, and — loudly, as
`status: "degraded"` with a `warnings` list — any worker whose analytics server serves a database role
that is not read-only (DATABASE_ALLOW_UNSAFE_ROLE). Still 200: the fleet works, but an operator must see it.

Every Redis-backed probe is bounded by HEALTH_TIMEOUT_S, so it answers in about that long even when
Redis is a black hole rather than a refused port.
"""

from __future__ import annotations

import asyncio
from importlib import metadata

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from backend.capacity import live_beats, read_capacity
from backend.deps import LifecycleDep, RedisDep, SettingsDep
from backend.schemas import Health
from contract import PROTOCOL_VERSION, WorkerBeat, keys

router = APIRouter(prefix="/ai/api/health", tags=["health"])

try:
    VERSION = metadata.version("agent-stream")
except metadata.PackageNotFoundError:  # running from a source tree
    VERSION = "0.1.0"


def _error(exc: BaseException) -> str:
    text = str(exc) or "timed out"
    return f"error: {type(exc).__name__}: {text}"[:300]


UNSAFE_ROLE_WARNING = (
    "UNSAFE DATABASE ROLE: worker {worker} serves DATABASE_URL with a role that {problem} "
    "(DATABASE_ALLOW_UNSAFE_ROLE is set). Connect as a read-only role (README: 'A read-only database role')."
)


def _role_warnings(beats: list[WorkerBeat]) -> list[str]:
    return [
        UNSAFE_ROLE_WARNING.format(worker=b.worker_id, problem=p)
        for b in beats
        for p in b.database_role_warnings
    ]


async def _schema_cache(redis: Redis) -> dict:
    stats = {k: int(v) for k, v in (await redis.hgetall(keys.SCHEMA_CACHE_STATS)).items()}
    hits, misses = stats.get("hits", 0), stats.get("misses", 0)
    rate = round(hits / (hits + misses), 3) if hits + misses else None
    return {"hits": hits, "misses": misses, "hit_rate": rate}


async def _fleet(redis: Redis, max_wait_s: float) -> dict:
    await redis.ping()
    beats = await live_beats(redis)
    capacity = await read_capacity(redis, beats)
    return {
        "warnings": _role_warnings(beats),
        "schema_cache": await _schema_cache(redis),
        "workers_alive": capacity.workers_alive,
        "queue_depth": capacity.queue_depth,
        "models": sorted({b.model_provider for b in beats if b.model_provider}),
        "capacity": {
            **capacity.model_dump(),
            "wait_s": round(capacity.wait_s, 3),
            "max_wait_s": max_wait_s,
            "admitting": capacity.admits(max_wait_s),
        },
        "workers": [
            b.model_dump(
                include={
                    "worker_id",
                    "concurrency",
                    "running",
                    "free_slots",
                    "run_s",
                    "loop_lag_ms",
                    "loop_lag_max_ms",
                    "database_role_warnings",
                }
            )
            for b in beats
        ],
    }


@router.get("", responses={200: {"model": Health}, 503: {"model": Health}})
async def health(redis: RedisDep, settings: SettingsDep) -> JSONResponse:
    base = {"version": VERSION, "protocol": PROTOCOL_VERSION}
    try:
        async with asyncio.timeout(settings.health_timeout_s):
            fleet = await _fleet(redis, settings.admit_max_wait_s)
    except Exception as exc:  # any failure to reach Redis is "unhealthy"
        return JSONResponse({"status": "unhealthy", "redis_status": _error(exc), **base}, status_code=503)
    status = "degraded" if fleet["warnings"] else "healthy"
    return JSONResponse({"status": status, "redis_status": "ok", **fleet, **base})


@router.get("/live")
async def live() -> dict:
    return {"status": "alive"}


@router.get("/ready")
async def ready(redis: RedisDep, settings: SettingsDep, lifecycle: LifecycleDep) -> JSONResponse:
    if lifecycle.draining:
        return JSONResponse({"status": "draining"}, status_code=503)
    try:
        async with asyncio.timeout(settings.health_timeout_s):
            await redis.ping()
    except Exception as exc:
        return JSONResponse({"status": "unready", "redis_status": _error(exc)}, status_code=503)
    return JSONResponse({"status": "ready"})
