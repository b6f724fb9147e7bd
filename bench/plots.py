"""PNG plots of one bench run (matplotlib, headless Agg backend): latency percentiles vs load,
accepted / refused / failed vs load, RSS vs open streams, relay CPU per chat vs load."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def draw(results: dict, out: Path) -> list[Path]:
    made = []
    for name, fn in (
        ("latency_vs_load", _latency),
        ("outcomes_vs_load", _outcomes),
        ("cpu_per_chat_vs_load", _cpu),
        ("rss_vs_open_streams", _rss),
    ):
        fig = fn(results)
        if fig is None:
            continue
        path = out / f"{name}.png"
        fig.savefig(path, dpi=90, bbox_inches="tight")
        plt.close(fig)
        made.append(path)
    return made


def _series(rows: list[dict], key: str, pct: str) -> tuple[list[float], list[float]]:
    pts = [(r["level"], r[key][pct]) for r in rows if r[key] and r[key].get(pct) is not None]
    return [p[0] for p in pts], [p[1] for p in pts]


def _latency(results: dict):
    relay, agent = results.get("relay", {}), results.get("agent_open", {})
    if not relay and not agent:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    ax = axes[0]
    for name, rows in relay.items():
        for pct, style in (("p50", "--"), ("p99", "-")):
            xs, ys = _series(rows, "first_event_ms", pct)
            ax.plot(xs, ys, style, marker="o", label=f"{name} first event {pct}")
    ax.set(title="Relay only: time to first event", xlabel="new chats/s", ylabel="ms", yscale="log")
    ax.legend(fontsize=7)
    ax = axes[1]
    for rows in agent.values():
        for key in ("first_event_ms", "first_token_ms", "total_ms"):
            for pct, style in (("p50", "--"), ("p99", "-")):
                xs, ys = _series(rows, key, pct)
                ax.plot(xs, ys, style, marker="o", label=f"{key[:-3]} {pct}")
    ax.set(title="Real stack (demo model 40 tok/s)", xlabel="new chats/s", ylabel="ms", yscale="log")
    if agent:  # a plan without the real stack (--only relay) leaves this panel empty
        ax.legend(fontsize=7)
    return fig


def _outcomes(results: dict):
    groups = [
        (f"{s} {m}", rows) for s in ("agent_open", "agent_closed") for m, rows in results.get(s, {}).items()
    ]
    if not groups:
        return None
    fig, axes = plt.subplots(1, len(groups), figsize=(4.5 * len(groups), 4), squeeze=False)
    for ax, (title, rows) in zip(axes[0], groups, strict=True):
        labels = [f"{r['level']:g}" for r in rows]
        ok = [r["completed"] for r in rows]
        refused = [sum(r["refused"].values()) for r in rows]
        failed = [r["failed"] for r in rows]
        ax.bar(labels, ok, label="completed", color="tab:green")
        ax.bar(labels, refused, bottom=ok, label="refused at the door", color="tab:orange")
        ax.bar(
            labels,
            failed,
            bottom=[a + b for a, b in zip(ok, refused, strict=True)],
            label="failed",
            color="tab:red",
        )
        shape = "clients" if "closed" in title else "new chats/s"
        ax.set(title=title, xlabel=shape, ylabel="chats")
        ax.legend(fontsize=7)
    return fig


def _cpu(results: dict):
    relay = results.get("relay", {})
    if not relay:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, rows in relay.items():
        pts = [(r["level"], r["relay_cpu_ms_per_chat"]) for r in rows if r["relay_cpu_ms_per_chat"]]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
    ax.set(title="Relay CPU per chat (200 tokens)", xlabel="new chats/s", ylabel="CPU ms / chat")
    ax.set_ylim(bottom=0)
    ax.legend()
    return fig


def _rss(results: dict):
    idle = results.get("idle", {})
    if not idle:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, rows in idle.items():
        ax.plot([r["open"] for r in rows], [r["relay_rss_mb"] for r in rows], marker="o", label=name)
    ax.set(title="Relay RSS vs open idle streams", xlabel="open streams", ylabel="RSS MB")
    ax.set_ylim(bottom=0)
    ax.legend()
    return fig
