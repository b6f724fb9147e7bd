"""An eval run as console lines, JSON, and a row of the evaluation table in BENCHMARKS.md.

Why a row in one table (inserted before the bench's "# Runs" part) rather than a section per run at the end:
`python -m bench` appends its sections at the end of the file; eval results stay together in one place, one
line per model × database × run, comparable at a glance.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from evals.run import EvalResult

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"
HEADING = "## Evaluation (`python -m evals`)"
TABLE_HEAD = "| date | model | database | execution accuracy | safety | failed | seconds | note |"


def summary(result: EvalResult) -> str:
    failed = [q["id"] for q in result.questions if not q["correct"]]
    unsafe = [h["id"] for h in result.hostile if not h["safe"]]
    lines = [
        f"{result.model} on {result.database}: execution accuracy {result.correct}/{len(result.questions)} "
        f"({result.accuracy:.0%}), safety {result.safe}/{len(result.hostile)} ({result.safety:.0%}), "
        f"{result.seconds:.1f} s",
    ]
    if failed:
        lines.append("  wrong: " + ", ".join(failed))
    if unsafe:
        lines.append("  UNSAFE: " + ", ".join(unsafe))
    if not result.unchanged_after_questions:
        lines.append("  THE DATABASE CHANGED while answering ordinary questions")
    return "\n".join(lines)


def table_row(result: EvalResult, note: str = "") -> str:
    failed = ", ".join(f"`{q['id']}`" for q in result.questions if not q["correct"]) or "—"
    unsafe = [h["id"] for h in result.hostile if not h["safe"]]
    if unsafe:
        failed += "; unsafe: " + ", ".join(f"`{u}`" for u in unsafe)
    return (
        f"| {result.started} | {result.model} | {result.database} | {result.correct}/{len(result.questions)} "
        f"({result.accuracy:.0%}) | {result.safe}/{len(result.hostile)} ({result.safety:.0%}) | {failed} | "
        f"{result.seconds:.0f} | {note} |"
    )


def write_benchmarks(rows: list[str], path: Path = BENCHMARKS) -> None:
    """Append `rows` to the evaluation table (the table must exist under HEADING)."""
    lines = path.read_text().splitlines()
    start = lines.index(HEADING)
    head = lines.index(TABLE_HEAD, start)
    end = head + 2
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    lines[end:end] = rows
    path.write_text("\n".join(lines) + "\n")


def write_json(results: list[EvalResult], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in results], indent=1, default=str))
