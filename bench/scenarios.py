"""One scenario = one system under test, one load shape, a list of levels; one result row per level.

`measure_level` wraps any load coroutine with the probes: CPU of the relay and of the workers (with
their tool-server children) before/after, the background sampler (lag, Redis clients, worker beats),
RSS after. `idle_streams` opens streams in steps and reports RSS per open stream at each step.
`openai_scaling` runs the same closed loop against one and then two workers whose model answers
after a fixed latency: concurrent runs per worker (their heartbeats' `running`) and throughput.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from bench import probes, systems
from bench.load import closed_loop, hold_open, open_loop, summarize
from bench.sseclient import ChatResult, Hold, Target
from bench.systems import API_KEY, System


def target_of(system: System) -> Target:
    return Target(system.host, system.port, api_key=API_KEY)


async def measure_level(system: System, load) -> dict:
    """Run `load()` (a coroutine returning (results, extra dict)) and add the probes' figures."""
    relay_cpu0 = probes.cpu_seconds(system.relay_pid)
    workers_cpu0 = sum(probes.cpu_seconds(w.pid, with_children=True) for w in system.workers)
    redis_port = system.redis.port if system.redis else None
    t0 = time.perf_counter()
    async with probes.Sampler(system.host, system.port, redis_port) as sampler:
        results, extra = await load()
    wall = time.perf_counter() - t0
    relay_cpu = probes.cpu_seconds(system.relay_pid) - relay_cpu0
    workers_cpu = sum(probes.cpu_seconds(w.pid, with_children=True) for w in system.workers) - workers_cpu0
    row = summarize(results)
    chats, tokens = row["accepted"], row["tokens"]
    row.update(extra)
    row.update(sampler.report())
    row.update(
        {
            "wall_s": round(wall, 2),
            "completed_per_s": round(row["completed"] / wall, 1),
            "relay_cpu_ms_per_chat": round(relay_cpu * 1000 / chats, 2) if chats else None,
            "relay_cpu_ms_per_1k_tokens": round(relay_cpu * 1e6 / tokens, 2) if tokens else None,
            "relay_cpu_pct": round(relay_cpu / wall * 100, 1),
            "workers_cpu_pct": round(workers_cpu / wall * 100, 1) if system.workers else None,
            "workers_cpu_ms_per_chat": (
                round(workers_cpu * 1000 / row["completed"], 1)
                if system.workers and row["completed"]
                else None
            ),
            "relay_rss_mb": round(probes.rss_bytes(system.relay_pid) / 2**20, 1),
            "dead_processes": system.dead(),
        }
    )
    return row


async def warm_up(system: System, timeout_s: float) -> None:
    """A few unmeasured chats first: imports, Lua script loads, pools and MCP servers warm up here,
    not inside the first level's percentiles."""
    await open_loop(target_of(system), 10, 2, timeout_s)


async def open_levels(system: System, rates: list[float], duration_s: float, timeout_s: float) -> list[dict]:
    await warm_up(system, timeout_s)
    rows = []
    for rate in rates:

        async def load(rate=rate):
            results, late = await open_loop(target_of(system), rate, duration_s, timeout_s)
            return results, {"shape": "open", "level": rate, "client_late_s": round(late, 3)}

        rows.append(await measure_level(system, load))
        _print(system, rows[-1])
        await asyncio.sleep(1)  # let the last streams' cleanup finish before the next level's CPU read
    return rows


async def closed_levels(
    system: System, clients: list[int], duration_s: float, timeout_s: float
) -> list[dict]:
    await warm_up(system, timeout_s)
    rows = []
    for n in clients:

        async def load(n=n):
            results = await closed_loop(target_of(system), n, duration_s, timeout_s)
            return results, {"shape": "closed", "level": n}

        rows.append(await measure_level(system, load))
        _print(system, rows[-1])
        await asyncio.sleep(1)
    return rows


async def idle_streams(system: System, steps: list[int], batch: int, timeout_s: float) -> list[dict]:
    """Open streams that stay idle after their first event, in steps; RSS and Redis clients at each."""
    target = target_of(system)
    hold = Hold()
    tasks: list[asyncio.Task] = []
    await asyncio.sleep(1)
    base_rss = probes.rss_bytes(system.relay_pid)
    base_clients = await probes.redis_clients(system.redis.port) if system.redis else None
    rows = []
    opened_before = 0
    try:
        for count in steps:
            tasks += await hold_open(target, count - opened_before, batch, timeout_s, hold)
            opened_before = count
            await asyncio.sleep(2)  # settle: first idle log re-reads, allocator
            cpu0 = probes.cpu_seconds(system.relay_pid)
            await asyncio.sleep(3)
            idle_cpu_pct = (probes.cpu_seconds(system.relay_pid) - cpu0) / 3 * 100
            rss = probes.rss_bytes(system.relay_pid)
            ended = [t.result() for t in tasks if t.done()]
            refused = sum(1 for r in ended if not r.accepted)
            reasons = Counter(r.broken or ("hung" if r.hung else f"status {r.status}") for r in ended)
            row = {
                "shape": "idle",
                "level": count,
                "open": hold.opened,
                "refused_or_failed": len(tasks) - hold.opened,
                "refused": refused,
                "failure_reasons": dict(reasons.most_common(4)),
                "relay_rss_mb": round(rss / 2**20, 1),
                "rss_per_stream_kb": round((rss - base_rss) / 1024 / max(1, hold.opened), 1),
                "idle_relay_cpu_pct": round(idle_cpu_pct, 1),
                "redis_clients": await probes.redis_clients(system.redis.port) if system.redis else None,
                "redis_clients_before": base_clients,
                "dead_processes": system.dead(),
            }
            rows.append(row)
            _print(system, row)
    finally:
        hold.release.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return rows


def steady_rate(results: list[ChatResult]) -> float:
    """Chats completed per second between the first completion and the last: the time the workers
    were draining work, whether a run takes 2 s (model-bound) or longer than the level (CPU-bound,
    when every client's first chat ends after the level's duration)."""
    ends = sorted(r.started + r.total for r in results if r.ok)
    if len(ends) < 2 or ends[-1] <= ends[0]:
        return 0.0
    return round((len(ends) - 1) / (ends[-1] - ends[0]), 1)


async def openai_scaling(
    base_url: str, model_server_pid: int, per_worker: list[int], duration_s: float, timeout_s: float
) -> list[dict]:
    """1 then 2 workers (WORKER_CONCURRENCY above the largest client count), each level of
    `per_worker` closed-loop clients per worker in turn; per level: runs per worker at once, steady
    throughput, CPU per chat, and the model server's CPU (it must not be what limits the workers)."""
    rows = []
    for workers in (1, 2):
        system = systems.openai_stack(workers, base_url, max(per_worker) + 50)
        try:
            await warm_up(system, timeout_s)
            for n in per_worker:
                rows.append(await _openai_level(system, model_server_pid, workers, n, duration_s, timeout_s))
                _print(system, rows[-1])
                await asyncio.sleep(1)
        finally:
            system.stop()
    return rows


async def _openai_level(
    system: System, model_server_pid: int, workers: int, per_worker: int, duration_s: float, timeout_s: float
) -> dict:
    clients = per_worker * workers

    async def load():
        results = await closed_loop(target_of(system), clients, duration_s, timeout_s)
        extra = {"shape": "closed", "level": clients, "workers": workers, "clients_per_worker": per_worker}
        return results, {**extra, "steady_per_s": steady_rate(results)}

    model_cpu0, t0 = probes.cpu_seconds(model_server_pid), time.perf_counter()
    row = await measure_level(system, load)
    model_cpu = probes.cpu_seconds(model_server_pid) - model_cpu0
    row["model_server_cpu_pct"] = round(model_cpu / (time.perf_counter() - t0) * 100, 1)
    return row


def _print(system: System, row: dict) -> None:
    keys = ("shape", "level", "accepted", "completed", "refused", "failed", "open", "rss_per_stream_kb")
    short = {k: row[k] for k in keys if k in row}
    for k in ("first_event_ms", "total_ms"):
        if k in row:
            short[k] = (row[k]["p50"], row[k]["p95"], row[k]["p99"])
    for k in (
        "relay_cpu_ms_per_chat",
        "redis_clients_max",
        "redis_clients",
        "failure_reasons",
        "worker_running_max",
        "steady_per_s",
        "workers_cpu_ms_per_chat",
        "model_server_cpu_pct",
    ):
        if row.get(k):
            short[k] = row[k]
    print(f"  {system.name:8} {short}", flush=True)
