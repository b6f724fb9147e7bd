"""The two load shapes, and what one load level adds up to.

Open loop (`open_loop`): new chats arrive at a fixed rate whatever the system does (chat i starts at
t0 + i / rate, each on a new connection), the way independent users arrive; a slow system gets more
concurrent chats, not fewer arrivals, so saturation shows as latency and refusals. Closed loop
(`closed_loop`): S clients each run chat after chat for the duration; throughput is what the system
sustains at that concurrency. `hold_open` opens streams and keeps them idle (RSS per open stream).

`summarize` turns one level's `ChatResult`s into the reported row: accepted / refused by status /
failed after acceptance (with the reasons) / hung, and first-event, first-token and total
percentiles over the accepted chats, in ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter

from bench.sseclient import ChatResult, Hold, Target, run_chat

QUESTIONS = ["How many customers are there?", "Top 5 products by revenue", "Total revenue per country"]


def body_for(i: int) -> dict:
    return {"message": QUESTIONS[i % len(QUESTIONS)]}


async def open_loop(
    target: Target, rate: float, duration_s: float, timeout_s: float, body=body_for
) -> tuple[list[ChatResult], float]:
    """Start `rate` chats per second for `duration_s`; wait for all of them. Returns the results and
    the worst lateness of a start (how far the client fell behind its own schedule, s)."""
    n = max(1, int(rate * duration_s))
    tasks: list[asyncio.Task] = []
    late = 0.0
    t0 = time.perf_counter()
    for i in range(n):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late = max(late, -delay)
        tasks.append(asyncio.create_task(run_chat(target, body(i), timeout_s)))
    return list(await asyncio.gather(*tasks)), late


async def closed_loop(
    target: Target, clients: int, duration_s: float, timeout_s: float, body=body_for
) -> list[ChatResult]:
    """`clients` loops, each starting its next chat when the previous one ends, for `duration_s`.
    A refused chat is retried after its Retry-After (capped at 1 s), as a polite client would."""
    deadline = time.perf_counter() + duration_s
    results: list[ChatResult] = []

    async def client(c: int) -> None:
        i = c
        await asyncio.sleep(c * 0.002)  # no thundering first wave from one loop iteration
        while time.perf_counter() < deadline:
            result = await run_chat(target, body(i), timeout_s)
            results.append(result)
            i += clients
            if not result.accepted:
                await asyncio.sleep(min(1.0, float(result.retry_after or 1)))

    await asyncio.gather(*(client(c) for c in range(clients)))
    return results


async def hold_open(
    target: Target, count: int, batch: int, timeout_s: float, hold: Hold, body=body_for
) -> list[asyncio.Task]:
    """Open `count` streams, `batch` at a time (each wave parked on its first event before the next
    starts), each kept open until `hold.release` is set. `hold.opened` counts the parked ones."""
    tasks: list[asyncio.Task] = []
    before = hold.opened  # streams parked by earlier calls are not this call's
    for start in range(0, count, batch):
        wave = [
            asyncio.create_task(run_chat(target, body(i), timeout_s, hold=hold))
            for i in range(start, min(count, start + batch))
        ]
        tasks += wave
        deadline = time.monotonic() + timeout_s
        while (
            hold.opened - before + sum(t.done() for t in tasks) < len(tasks) and time.monotonic() < deadline
        ):
            hold.progress.clear()
            with contextlib.suppress(TimeoutError):  # ended streams do not signal: look again soon
                await asyncio.wait_for(hold.progress.wait(), 0.1)
    return tasks


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    values = sorted(values)

    def at(p: float) -> float:
        return round(values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000, 1)

    return {"p50": at(50), "p95": at(95), "p99": at(99), "max": round(values[-1] * 1000, 1)}


def summarize(results: list[ChatResult]) -> dict:
    accepted = [r for r in results if r.accepted]
    failed = [r for r in accepted if r.failed]
    ok = [r for r in accepted if r.ok]
    refused = Counter(str(r.status) for r in results if not r.accepted)
    reasons = Counter(
        "hung"
        if r.hung
        else r.broken
        if r.broken
        else f"{r.terminal}:{r.error_code}"
        if r.terminal != "complete"
        else "seq gap"
        for r in failed
    )
    return {
        "chats": len(results),
        "accepted": len(accepted),
        "completed": len(ok),
        "refused": dict(refused),
        "failed": len(failed),
        "hung": sum(r.hung for r in accepted),
        "failure_reasons": dict(reasons.most_common(8)),
        "tokens": sum(r.tokens for r in ok),
        "first_event_ms": percentiles([r.first_event for r in accepted if r.first_event is not None]),
        "first_token_ms": percentiles([r.first_token for r in ok if r.first_token is not None]),
        "total_ms": percentiles([r.total for r in ok if r.total is not None]),
    }
