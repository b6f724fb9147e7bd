"""Load benchmark: N concurrent chats through the real stack (embedded Redis, gateway, workers, demo model).

    .venv/bin/python bench/chat_load.py --chats 200 --concurrency 50 --workers 2

Measures time to the first event, to the first token and to the terminal event per chat, events/s
delivered, and checks every stream ended with `complete` and contiguous seq. Appends a row to
BENCHMARKS.md. Not a test: numbers depend on the machine (this one: 2 cores, everything on loopback).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devstack.processes import Stack  # noqa: E402
from devstack.redis_server import RedisServer  # noqa: E402

QUESTIONS = ["How many customers are there?", "Top 5 products by revenue", "Total revenue per country"]


async def one_chat(client: httpx2.AsyncClient, url: str, key: str, i: int) -> dict:
    t0 = time.perf_counter()
    first_event = first_token = None
    seqs: list[int] = []
    last_type = None
    async with client.stream(
        "POST",
        url + "/ai/api/chat/stream",
        headers={"X-API-Key": key},
        json={"message": QUESTIONS[i % len(QUESTIONS)]},
        timeout=120,
    ) as resp:
        resp.raise_for_status()
        async for line in resp.aiter_lines():
            if not line.startswith("data:"):
                continue
            ev = json.loads(line[5:])
            now = time.perf_counter() - t0
            first_event = first_event if first_event is not None else now
            if ev["type"] == "token" and first_token is None:
                first_token = now
            seqs.append(ev["seq"])
            last_type = ev["type"]
    return {
        "first_event": first_event,
        "first_token": first_token,
        "total": time.perf_counter() - t0,
        "events": len(seqs),
        "ok": last_type == "complete" and seqs == list(range(len(seqs))),
    }


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run(args) -> dict:
    redis = RedisServer().start()
    stack = Stack(
        redis_url=redis.url,
        env={
            "API_KEYS": "bench",
            "DEMO_TOKENS_PER_S": str(args.tokens_per_s),
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT": "100000/minute",
            "MAX_STREAMS_PER_KEY": "100000",
        },
    )
    try:
        url = stack.start_gateway()
        for _ in range(args.workers):
            stack.start_worker()
        stack.wait_workers(args.workers, url)
        sem = asyncio.Semaphore(args.concurrency)
        limits = httpx2.Limits(max_connections=args.concurrency + 10)
        async with httpx2.AsyncClient(limits=limits) as client:
            await one_chat(client, url, "bench", 0)  # warm-up: MCP servers, sample DB, imports

            async def bounded(i):
                async with sem:
                    return await one_chat(client, url, "bench", i)

            t0 = time.perf_counter()
            results = await asyncio.gather(*(bounded(i) for i in range(args.chats)))
            wall = time.perf_counter() - t0
    finally:
        stack.stop()
        redis.stop()
    ok = sum(r["ok"] for r in results)
    ttft = [r["first_token"] for r in results if r["first_token"] is not None]
    return {
        "chats": args.chats,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "tokens_per_s": args.tokens_per_s,
        "ok": ok,
        "wall_s": round(wall, 2),
        "chats_per_s": round(args.chats / wall, 1),
        "events_per_s": round(sum(r["events"] for r in results) / wall),
        "first_event_p50_ms": round(statistics.median(r["first_event"] for r in results) * 1000),
        "first_token_p50_ms": round(statistics.median(ttft) * 1000) if ttft else None,
        "first_token_p95_ms": round(pct(ttft, 95) * 1000) if ttft else None,
        "total_p50_ms": round(statistics.median(r["total"] for r in results) * 1000),
        "total_p95_ms": round(pct([r["total"] for r in results], 95) * 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tokens-per-s", type=float, default=0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    if not args.no_write:
        row = (
            f"| {time.strftime('%Y-%m-%d')} | {platform.machine()}, {__import__('os').cpu_count()} cores | "
            f"{result['chats']} / {result['concurrency']} / {result['workers']} / {result['tokens_per_s']:g} | "
            f"{result['ok']}/{result['chats']} | "
            f"{result['chats_per_s']} | {result['events_per_s']} | {result['first_event_p50_ms']} | "
            f"{result['first_token_p50_ms']} / {result['first_token_p95_ms']} | "
            f"{result['total_p50_ms']} / {result['total_p95_ms']} |\n"
        )
        path = ROOT / "BENCHMARKS.md"
        if not path.exists():
            path.write_text(
                "# Benchmarks\n\nWritten by `bench/chat_load.py`: the real stack (embedded Redis, one gateway, N "
                "workers, the demo model, the sample database) and the load generator, all on one machine over "
                "loopback. Demo tok/s 0 means as fast as possible.\n\n"
                "| date | machine | chats / concurrency / workers / demo tok/s | complete | chats/s | events/s | "
                "first event p50 ms | first token p50 / p95 ms | total p50 / p95 ms |\n"
                "|---|---|---|---|---|---|---|---|---|\n"
            )
        with path.open("a") as f:
            f.write(row)


if __name__ == "__main__":
    main()
