"""`python -m agent_service` runs a worker; `python -m agent_service --check` is the compose healthcheck
(exit 0 when a worker heartbeat is fresh in Redis — this WORKER_ID's if set, else any — otherwise 1)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from agent_service.config import Settings, get_settings
from contract import logfields, tracing


async def _check(settings: Settings) -> int:
    import redis.asyncio as aioredis

    from agent_service.delivery.heartbeat import check
    from contract.sentinelclient import sentinel_primary

    options = {"decode_responses": True, "socket_timeout": 3, "socket_connect_timeout": 3}
    if settings.redis_sentinels:
        client = sentinel_primary(settings, sentinel_timeout_s=3, **options)
    else:
        client = aioredis.Redis.from_url(settings.redis_url, **options)
    try:
        return 0 if await check(settings, client) else 1
    except Exception as exc:  # Redis down → unhealthy, never a traceback
        print(f"check failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        await client.aclose()


async def _serve(settings: Settings) -> int:
    from agent_service.worker import Worker

    return await Worker(settings).serve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agent_service", description="Agent worker process.")
    parser.add_argument("--check", action="store_true", help="exit 0 if a worker heartbeat is fresh, else 1")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.check:
        return asyncio.run(_check(settings))
    logfields.configure("worker", settings.log_level, settings.log_json)
    tracing.start("agent-worker")
    try:
        with asyncio.Runner(loop_factory=_loop_factory(settings)) as runner:
            return runner.run(_serve(settings))
    finally:
        tracing.stop()


def _loop_factory(settings: Settings):
    """uvloop when installed and WORKER_UVLOOP is on: with hundreds of runs in flight the event loop's
    own scheduling and socket writes were a fifth of the worker's CPU on the default loop."""
    if settings.worker_uvloop:
        try:
            import uvloop

            return uvloop.new_event_loop
        except ImportError:
            pass
    return None


if __name__ == "__main__":
    sys.exit(main())
