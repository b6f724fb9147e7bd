"""python -m evals: the evaluation set against the demo model or the configured one, on one or more databases.

    python -m evals                                  # the configured model (MODEL_PROVIDER / OPENAI_*) on SQLite
    python -m evals --model demo --database sqlite,postgresql,mariadb
    python -m evals --database postgresql+psycopg://me@db/shop   # an existing database holding the sample

PostgreSQL/MariaDB scratch databases are created on EVAL_POSTGRES_URL / EVAL_MARIADB_URL (default: this
machine's servers as their administrative users), loaded with the sample and dropped afterwards. Each run adds
a row to BENCHMARKS.md's evaluation table unless --no-write; --json saves every question's SQL and answer.
The exit status is 0 whatever the scores: a real model's results are reported, not gated (the test suite
gates the demo model).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from agent_service.config import Settings
from evals.databases import eval_database
from evals.report import summary, table_row, write_benchmarks, write_json
from evals.run import hostile_prompts, questions, run_eval


def settings_for(model: str, url: str) -> Settings:
    base = {"database_url": url, "database_allow_unsafe_role": True, "demo_tokens_per_s": 0}
    if model == "demo":
        return Settings(model_provider="demo", **base)
    return Settings(**base)


async def main(args: argparse.Namespace) -> int:
    items = questions()
    if args.ids:
        wanted = set(args.ids.split(","))
        items = [q for q in items if q["id"] in wanted]
    items = items[: args.limit] if args.limit else items
    hostile = [] if args.no_hostile else hostile_prompts()
    results, rows = [], []
    for kind in args.database.split(","):
        with eval_database(kind.strip()) as db:
            settings = settings_for(args.model, db.url)
            print(f"== {db.kind}: {len(items)} questions, {len(hostile)} hostile prompts")
            result = await run_eval(db, settings, items=items, hostile=hostile, timeout_s=args.timeout)
        print(summary(result))
        results.append(result)
        rows.append(table_row(result, args.note))
    if args.json:
        write_json(results, Path(args.json))
    if not args.no_write and not args.ids and not args.limit:
        write_benchmarks(rows)
        print("added to BENCHMARKS.md:\n" + "\n".join(rows))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m evals", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=("configured", "demo"), default="configured")
    p.add_argument(
        "--database", default="sqlite", help="comma-separated: sqlite, postgresql, mariadb, or a URL"
    )
    p.add_argument(
        "--limit", type=int, default=0, help="only the first N questions (not written to BENCHMARKS.md)"
    )
    p.add_argument("--ids", default="", help="only these question ids (not written to BENCHMARKS.md)")
    p.add_argument("--no-hostile", action="store_true", help="skip the hostile prompts")
    p.add_argument("--timeout", type=float, default=120, help="seconds one question may take")
    p.add_argument(
        "--note", default="", help="recorded in the BENCHMARKS.md row (say when the machine was shared)"
    )
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--json", default="", help="save every question's SQL, rows and answer here")
    return p


if __name__ == "__main__":
    os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
    raise SystemExit(asyncio.run(main(parser().parse_args())))
