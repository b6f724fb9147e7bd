"""Turn one bench run into results.json, plots, the targets' verdicts and a BENCHMARKS.md section."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench import plots

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"


BASELINES = ("stock", "direct")
"""The systems measured for comparison, not the product: their failures are not the target's."""


def _rows(results: dict, scenario: str) -> list[dict]:
    return [row for rows in results.get(scenario, {}).values() for row in rows]


def _ours(results: dict, scenario: str) -> list[dict]:
    return [row for name, rows in results.get(scenario, {}).items() if name not in BASELINES for row in rows]


def _at(rows: list[dict], level: float) -> dict | None:
    return next((r for r in rows if r["level"] == level), None)


def verdicts(results: dict) -> list[str]:
    """One line per target of the issue this bench was built for, measured in this run."""
    lines = []
    loaded = [r for s in ("relay", "agent_open", "agent_closed", "openai") for r in _ours(results, s)]
    if loaded:
        failed = sum(r["failed"] for r in loaded)
        accepted = sum(r["accepted"] for r in loaded)
        lines.append(_line(failed == 0, f"accepted chats that failed: {failed} of {accepted} (target 0)"))
    relay = results.get("relay", {})
    if relay.get("gateway") and relay.get("stock"):
        for gw in relay["gateway"]:
            stock = _at(relay["stock"], gw["level"])
            if stock and gw["relay_cpu_ms_per_chat"] and stock["relay_cpu_ms_per_chat"]:
                ratio = gw["relay_cpu_ms_per_chat"] / stock["relay_cpu_ms_per_chat"]
                lines.append(
                    _line(
                        ratio <= 0.5,
                        f"relay-only CPU per chat at {gw['level']:g}/s: gateway {gw['relay_cpu_ms_per_chat']} ms"
                        f" vs stock {stock['relay_cpu_ms_per_chat']} ms = {ratio:.2f}× (target ≤ 0.5×)",
                    )
                )
        at100 = _at(relay["gateway"], 100)
        if at100:
            p99 = at100["first_event_ms"]["p99"]
            lines.append(_line(p99 is not None and p99 <= 10, f"first-event p99 at 100/s: {p99} ms (≤ 10)"))
    idle = results.get("idle", {})
    if idle.get("gateway"):
        last = idle["gateway"][-1]
        clients = {r["redis_clients"] for r in idle["gateway"]}
        lines.append(
            _line(
                last["rss_per_stream_kb"] <= 16 and last["open"] >= last["level"],
                f"idle streams: {last['open']} open on one gateway at {last['rss_per_stream_kb']} KB each"
                f" (target 10,000 at ≤ 16 KB); stock: "
                + ", ".join(f"{r['open']} at {r['rss_per_stream_kb']} KB" for r in idle.get("stock", [])),
            )
        )
        lines.append(
            _line(
                max(clients) - min(clients) <= 2,
                f"Redis connections while idle streams grew: {sorted(clients)} (target constant)",
            )
        )
    openai = _rows(results, "openai")
    for n in sorted({r.get("clients_per_worker", r["level"]) for r in openai if r["workers"] == 1}):
        one = next(
            (r for r in openai if r["workers"] == 1 and r.get("clients_per_worker", r["level"]) == n), None
        )
        two = next(
            (r for r in openai if r["workers"] == 2 and r.get("clients_per_worker", r["level"] // 2) == n),
            None,
        )
        if one is None or two is None:
            continue
        lines += _openai_verdicts(n, one, two)
    return lines


def _openai_verdicts(per_worker: int, one: dict, two: dict) -> list[str]:
    lines = []
    p50 = (one["total_ms"]["p50"] or 0) / 1000
    if per_worker >= 500:
        peak = max(one["worker_running_max"] or [0])
        lines.append(
            _line(
                peak >= 500 and one["failed"] == 0,
                f"concurrent runs in one worker (1 s model): peak {peak} (≥ 500), {one['failed']} failed, "
                f"run p50 {p50:.1f} s (the model alone: 2 s), worker CPU {one['workers_cpu_ms_per_chat']} ms/chat",
            )
        )
    rate1, rate2 = _rate(one), _rate(two)
    ratio = rate2 / rate1 if rate1 else 0
    lines.append(
        _line(
            ratio >= 1.8,
            f"throughput 2 workers / 1 worker at {per_worker} clients per worker (run p50 {p50:.1f} s): "
            f"{rate2} / {rate1} chats/s = {ratio:.2f}× (target 2×); peak runs per worker with 2: "
            f"{', '.join(map(str, two['worker_running_max']))}",
        )
    )
    return lines


def _rate(row: dict) -> float:
    """Steady throughput (ramp excluded) when measured, else completed over the level's wall time."""
    return row.get("steady_per_s") or row["completed_per_s"]


def _line(ok: bool, text: str) -> str:
    return f"- {'HOLDS' if ok else 'MISSES'}: {text}"


def save(results_dir: Path, meta: dict, results: dict, summary: list[str]) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M", time.gmtime())
    out = results_dir / f"{stamp}-{meta['plan']}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"meta": meta, "verdicts": summary, **results}, indent=1))
    images = plots.draw(results, out)
    with BENCHMARKS.open("a") as f:
        f.write(section(meta, results, summary, [p.relative_to(ROOT) for p in images], out.relative_to(ROOT)))
    return out


def _p(d: dict | None, key: str = "p99") -> str:
    return "–" if not d or d.get(key) is None else f"{d[key]:g}"


def _refused(row: dict) -> str:
    return ", ".join(f"{n}×{s}" for s, n in sorted(row["refused"].items())) or "0"


def section(meta: dict, results: dict, summary: list[str], images: list[Path], out: Path) -> str:
    lines = [
        f"\n## {meta['started_utc']} · `{meta['plan']}` plan · {meta['machine']}",
        "",
        f"{meta['note'] or 'No note.'} Load average at the end: {meta['load_average_1m']}. "
        f"Took {meta['duration_s']} s. Raw numbers: [{out}/results.json]({out}/results.json).",
        "",
        *summary,
        "",
    ]
    relay = results.get("relay")
    if relay:
        lines += [
            "Relay only (synthetic producer through the event log, 200 tokens in 40 events at 40 tokens/s):",
            "",
            "| system | new chats/s | accepted | refused | failed | first event p50 / p95 / p99 ms | "
            "total p99 ms | relay CPU ms / chat | ms / 1k tokens | lag probe p99 ms | Redis conns |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, rows in relay.items():
            for r in rows:
                fe = r["first_event_ms"]
                lines.append(
                    f"| {name} | {r['level']:g} | {r['accepted']} | {_refused(r)} | {r['failed']} | "
                    f"{_p(fe, 'p50')} / {_p(fe, 'p95')} / {_p(fe)} | {_p(r['total_ms'])} | "
                    f"{r['relay_cpu_ms_per_chat']} | {r['relay_cpu_ms_per_1k_tokens']} | "
                    f"{_p(r['relay_lag_probe_ms'])} | {r['redis_clients_max'] or '–'} |"
                )
        lines.append("")
    for scenario, title in (
        ("agent_open", "Real stack, open loop"),
        ("agent_closed", "Real stack, closed loop"),
    ):
        groups = results.get(scenario)
        if not groups:
            continue
        lines += [
            f"{title} (gateway + 2 workers, demo model; `demo_0` = as fast as it goes):",
            "",
            "| model | level | accepted | refused | failed (why) | completed/s | first event p99 ms | "
            "first token p50 / p99 ms | total p50 / p99 ms | gateway CPU ms / chat | workers CPU % | "
            "gateway lag probe p99 ms | worker loop lag max ms | Redis conns |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for model, rows in groups.items():
            for r in rows:
                why = (
                    f" ({', '.join(f'{k}: {v}' for k, v in r['failure_reasons'].items())})"
                    if r["failed"]
                    else ""
                )
                lines.append(
                    f"| {model} | {r['level']:g} | {r['accepted']} | {_refused(r)} | {r['failed']}{why} | "
                    f"{r['completed_per_s']} | {_p(r['first_event_ms'])} | "
                    f"{_p(r['first_token_ms'], 'p50')} / {_p(r['first_token_ms'])} | "
                    f"{_p(r['total_ms'], 'p50')} / {_p(r['total_ms'])} | {r['relay_cpu_ms_per_chat']} | "
                    f"{r['workers_cpu_pct']} | {_p(r['relay_lag_probe_ms'])} | "
                    f"{_p(r['worker_loop_lag_ms'], 'max')} | {r['redis_clients_max']} |"
                )
        lines.append("")
    idle = results.get("idle")
    if idle:
        lines += [
            "Idle open streams (first event received, then silence):",
            "",
            "| system | streams asked | open | refused / failed | relay RSS MB | RSS per stream KB | "
            "relay CPU % while idle | Redis conns (before: n) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, rows in idle.items():
            for r in rows:
                lines.append(
                    f"| {name} | {r['level']} | {r['open']} | {r['refused_or_failed']} | {r['relay_rss_mb']} | "
                    f"{r['rss_per_stream_kb']} | {r['idle_relay_cpu_pct']} | "
                    f"{r['redis_clients']} (before: {r['redis_clients_before']}) |"
                )
        lines.append("")
    openai = _rows(results, "openai")
    if openai:
        lines += [
            "Workers against the scripted OpenAI-compatible server answering every call after 1 s "
            "(each chat: a tool call, the tool, the answer: two model calls):",
            "",
            "| workers | clients (per worker) | accepted | failed | steady chats/s | completed/s | peak runs per worker | "
            "total p50 / p99 ms | workers CPU % | workers CPU ms / chat | model server CPU % | "
            "worker loop lag max ms |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in openai:
            lines.append(
                f"| {r['workers']} | {r['level']} ({r['clients_per_worker']}) | {r['accepted']} | {r['failed']} | {r.get('steady_per_s', '–')} | "
                f"{r['completed_per_s']} | {', '.join(map(str, r['worker_running_max']))} | "
                f"{_p(r['total_ms'], 'p50')} / {_p(r['total_ms'])} | {r['workers_cpu_pct']} | "
                f"{r.get('workers_cpu_ms_per_chat', '–')} | {r.get('model_server_cpu_pct', '–')} | "
                f"{_p(r['worker_loop_lag_ms'], 'max')} |"
            )
        lines.append("")
    lines += [" ".join(f"![{p.stem}]({p})" for p in images), ""]
    return "\n".join(lines)
