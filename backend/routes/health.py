"""Probes. Liveness never touches Redis (a Redis outage must not restart healthy gateways);
readiness fails at once on SIGTERM and when Redis is unreachable; /health reports the fleet.

Every Redis-backed probe is bounded by HEALTH_TIMEOUT_S, so it answers in about that long even when
Redis is a black hole rather than a refused port.
"""

from __future__ import annotations

import asyncio
import json
from importlib import metadata

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from backend.contract import PROTOCOL_VERSION, keys
from backend.deps import LifecycleDep, RedisDep, SettingsDep

router = APIRouter(prefix="/ai/api/health", tags=["health"])

try:
    VERSION = metadata.version("agent-stream")
except metadata.PackageNotFoundError:  # running from a source tree
    VERSION = "0.1.0"


def _error(exc: BaseException) -> str:
    text = str(exc) or "timed out"
    return f"error: {type(exc).__name__}: {text}"[:300]


async def _fleet(redis: Redis) -> dict:
    await redis.ping()
    workers = sorted(await redis.smembers(keys.WORKERS))
    beats = await redis.mget([keys.heartbeat(w) for w in workers]) if workers else []
    models: set[str] = set()
    alive = 0
    for beat in beats:
        if beat is None:
            continue
        alive += 1
        try:
            info = json.loads(beat)
        except ValueError:
            continue
        if isinstance(info, dict):
            model = info.get("model_provider") or info.get("model")
            if model:
                models.add(str(model))
    return {
        "workers_alive": alive,
        "queue_depth": await redis.llen(keys.TASK_QUEUE),
        "models": sorted(models),
    }


@router.get("")
async def health(redis: RedisDep, settings: SettingsDep) -> JSONResponse:
    base = {"version": VERSION, "protocol": PROTOCOL_VERSION}
    try:
        async with asyncio.timeout(settings.health_timeout_s):
            fleet = await _fleet(redis)
    except Exception as exc:  # any failure to reach Redis is "unhealthy"
        return JSONResponse({"status": "unhealthy", "redis_status": _error(exc), **base}, status_code=503)
    return JSONResponse({"status": "healthy", "redis_status": "ok", **fleet, **base})


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
