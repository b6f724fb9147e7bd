"""What the bench watches while a level runs, from outside the processes under test.

- CPU and RSS of a process (psutil on its pid; a worker's MCP tool-server children are added to
  its CPU), read before and after a level: CPU ms per chat and per 1,000 tokens come from these.
- Redis connections: `INFO clients` connected_clients, sampled; the level reports the peak.
- Event-loop lag of the relay: the round trip of `GET /ai/api/health/live` (no Redis behind it) on
  one kept-alive connection every 250 ms (rare enough that its own CPU stays out of the per-chat
  figures: 4 requests/s). It is an upper bound of the loop's lag (it includes HTTP
  parsing, ~0.3 ms), and it is the same probe for the gateway and the stock relay.
- Event-loop lag of the workers: each worker's heartbeat (`WorkerBeat`) carries the worst lag its
  loop measured over the last interval (`loop_lag_ms`); every new beat's value is one sample.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import psutil
from redis.asyncio import Redis

from bench.load import percentiles
from contract import WorkerBeat, keys

PROBE_EVERY_S = 0.25


def cpu_seconds(pid: int, with_children: bool = False) -> float:
    try:
        proc = psutil.Process(pid)
        times = proc.cpu_times()
        total = times.user + times.system
        if with_children:
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    t = child.cpu_times()
                    total += t.user + t.system
        return total
    except psutil.Error:
        return 0.0


def rss_bytes(pid: int) -> int:
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


@dataclass
class Sampler:
    """Samples lag, Redis clients and worker beats in the background while a level runs."""

    host: str
    port: int
    redis_port: int | None = None
    relay_rtts: list[float] = field(default_factory=list)
    worker_lags: list[float] = field(default_factory=list)
    redis_clients_max: int = 0
    running_max: dict[str, int] = field(default_factory=dict)
    """Per worker, the most agent runs its heartbeat reported at once."""
    _tasks: list[asyncio.Task] = field(default_factory=list)
    _stopping: bool = False

    async def __aenter__(self) -> Sampler:
        self._tasks = [asyncio.create_task(self._relay_lag())]
        if self.redis_port:
            self._tasks.append(asyncio.create_task(self._redis()))
        return self

    async def __aexit__(self, *exc) -> None:
        # Flag, cancel, bounded wait: on Python 3.11 a cancel that lands as redis-py's own read
        # timeout fires can be swallowed, and the loop must still end.
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.wait(self._tasks, timeout=3)

    async def _relay_lag(self) -> None:
        request = f"GET /ai/api/health/live HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode()
        while not self._stopping:
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
                try:
                    while not self._stopping:
                        t0 = time.perf_counter()
                        writer.write(request)
                        length = 0
                        while (line := await reader.readline()) not in (b"\r\n", b""):
                            if line.lower().startswith(b"content-length:"):
                                length = int(line.split(b":")[1])
                        await reader.readexactly(length)
                        self.relay_rtts.append(time.perf_counter() - t0)
                        await asyncio.sleep(PROBE_EVERY_S)
                finally:
                    writer.close()
            except (OSError, asyncio.IncompleteReadError, ValueError):
                await asyncio.sleep(0.2)

    async def _redis(self) -> None:
        redis = Redis(port=self.redis_port, socket_timeout=5)
        last_ts: dict[str, float] = {}
        n = 0
        try:
            while not self._stopping:
                with contextlib.suppress(Exception):
                    if n % 5 == 0:
                        info = await redis.info("clients")
                        self.redis_clients_max = max(self.redis_clients_max, int(info["connected_clients"]))
                    workers = list(await redis.smembers(keys.WORKERS))
                    beats = await redis.mget([keys.heartbeat(w.decode()) for w in workers]) if workers else []
                    for worker, beat in zip(workers, beats, strict=True):
                        if not beat:
                            continue
                        info = WorkerBeat.model_validate_json(beat)
                        name = worker.decode()
                        self.running_max[name] = max(self.running_max.get(name, 0), info.running)
                        if last_ts.get(name) != info.ts:
                            last_ts[name] = info.ts
                            self.worker_lags.append(info.loop_lag_ms / 1000)
                n += 1
                await asyncio.sleep(0.1)
        finally:
            await redis.aclose()

    def report(self) -> dict:
        return {
            "relay_lag_probe_ms": percentiles(self.relay_rtts),
            "worker_loop_lag_ms": percentiles(self.worker_lags) if self.worker_lags else None,
            "redis_clients_max": self.redis_clients_max,
            "worker_running_max": sorted(self.running_max.values(), reverse=True),
        }


async def redis_clients(port: int) -> int:
    redis = Redis(port=port)
    try:
        return int((await redis.info("clients"))["connected_clients"])
    finally:
        await redis.aclose()
