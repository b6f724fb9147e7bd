"""`python -m bench [--quick] [--only relay,idle,...] [--note TEXT] [--no-write]`: run the bench.

Starts every system itself (real processes, own ports, own redis-server per system), runs the plan
(bench/plans.py), prints each level as it ends, then saves bench/results/<stamp>-<plan>/results.json
and the PNG plots beside it, and appends a section to BENCHMARKS.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import signal
import time
from pathlib import Path

from bench import report, scenarios, systems
from bench.answer import Answer
from bench.plans import PLANS, SCENARIOS, Plan

RELAY_ANSWER = Answer(tokens=200, event_tokens=5, tokens_per_s=40)
IDLE_ANSWER = Answer(tokens=200, event_tokens=5, tokens_per_s=0, hold_s=3600)


def raise_fd_limit() -> int:
    """Streams are sockets: lift the soft fd limit to the hard one (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


async def run_relay(plan: Plan) -> dict:
    out = {}
    for name, make, duration in (
        ("direct", systems.direct, plan.direct_s),
        ("gateway", systems.relay_only, plan.relay_s),
        ("stock", systems.stock_relay, plan.relay_s),
    ):
        system = make(RELAY_ANSWER)
        try:
            out[name] = await scenarios.open_levels(system, list(plan.relay_rates), duration, 30)
        finally:
            system.stop()
    return out


async def run_agent_open(plan: Plan) -> dict:
    system = systems.agent_stack(plan.workers, worker_env={"DEMO_TOKENS_PER_S": "40"})
    try:
        rows = await scenarios.open_levels(system, list(plan.agent_rates), plan.agent_s, plan.chat_timeout_s)
    finally:
        system.stop()
    return {"demo_40": rows}


async def run_agent_closed(plan: Plan) -> dict:
    out = {}
    for speed in plan.closed_speeds:
        system = systems.agent_stack(plan.workers, worker_env={"DEMO_TOKENS_PER_S": f"{speed:g}"})
        try:
            rows = await scenarios.closed_levels(
                system, list(plan.closed_clients), plan.closed_s, plan.chat_timeout_s
            )
        finally:
            system.stop()
        out[f"demo_{speed:g}"] = rows
    return out


async def run_idle(plan: Plan) -> dict:
    out = {}
    for name, make, steps in (
        ("gateway", lambda: systems.relay_only(IDLE_ANSWER), plan.idle_steps),
        ("stock", lambda: systems.stock_relay(IDLE_ANSWER), plan.idle_steps_stock),
    ):
        system = make()
        try:
            out[name] = await scenarios.idle_streams(system, list(steps), batch=100, timeout_s=60)
        finally:
            system.stop()
    return out


async def run_openai(plan: Plan) -> dict:
    fake, base_url = systems.fake_openai(1000)
    try:
        rows = await scenarios.openai_scaling(
            base_url, fake.pid, list(plan.openai_clients_per_worker), plan.openai_s, plan.chat_timeout_s
        )
    finally:
        fake.stop()
    return {"openai_1s": rows}


RUNNERS = {
    "relay": run_relay,
    "agent_open": run_agent_open,
    "agent_closed": run_agent_closed,
    "idle": run_idle,
    "openai": run_openai,
}


async def run(plan: Plan, only: list[str]) -> dict:
    results: dict = {}
    for name in only:
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        results[name] = await RUNNERS[name](plan)
        print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    return results


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description="Load bench of the real stack against a stock relay")
    parser.add_argument("--quick", action="store_true", help="short levels, fewer of them (≤ 3 min)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated of {SCENARIOS}")
    parser.add_argument("--note", default="", help="recorded with the numbers (e.g. 'machine shared')")
    parser.add_argument("--no-write", action="store_true", help="print only; no JSON, plots or BENCHMARKS.md")
    args = parser.parse_args()
    plan = PLANS["quick" if args.quick else "full"]
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {SCENARIOS}")
    fd_limit = raise_fd_limit()
    signal.signal(signal.SIGTERM, _interrupt)  # a killed bench still stops what it started
    started = time.time()
    results = asyncio.run(run(plan, only))
    meta = {
        "plan": plan.name,
        "scenarios": only,
        "started_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "duration_s": round(time.time() - started),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "load_average_1m": round(os.getloadavg()[0], 2),
        "fd_limit": fd_limit,
        "note": args.note,
        "relay_answer": RELAY_ANSWER.__dict__,
    }
    summary = report.verdicts(results)
    for line in summary:
        print(line)
    if not args.no_write:
        out_dir = report.save(Path(__file__).parent / "results", meta, results, summary)
        print(f"wrote {out_dir} and BENCHMARKS.md")


if __name__ == "__main__":
    main()
