"""The demo model speaks every dialect it claims: each question of the evaluation set, planned by the demo model
and transpiled for the database (demo_sql.py), runs as the read-only role on SQLite, PostgreSQL and MariaDB and
returns the rows it returns on the bundled SQLite sample; and so does every gold query of the set."""

from __future__ import annotations

import pytest

from agent_service.models.demo_questions import parse_question
from agent_service.models.demo_sql import for_dialect
from agent_service.tools.analytics.query import QueryError, ReadOnlyDatabase
from agent_service.tools.analytics.sample_db import ensure_sample_db
from evals import scoring
from evals.run import questions

ITEMS = questions()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = ensure_sample_db(tmp_path_factory.mktemp("reference") / "sample.db")
    db = ReadOnlyDatabase(f"sqlite:///{path}", max_rows=10_000)
    yield db
    db.close()


@pytest.fixture(scope="module")
def readonly(database):
    db = ReadOnlyDatabase(database.readonly_url, max_rows=10_000)
    yield db
    db.close()


def _rows(db: ReadOnlyDatabase, sql: str) -> list[tuple]:
    return scoring.rows_of(db.query(for_dialect(sql, db.dialect)).rows)


def _compare(reference, readonly, sqls: dict[str, tuple[str, bool]]) -> list[str]:
    problems = []
    for name, (sql, ordered) in sqls.items():
        try:
            got = _rows(readonly, sql)
        except QueryError as exc:
            problems.append(f"{name}: {for_dialect(sql, readonly.dialect)!r} fails: {exc}")
            continue
        if not scoring.same_rows(_rows(reference, sql), got, ordered):
            problems.append(f"{name}: rows differ from SQLite's")
    return problems


def test_every_demo_plan_runs_on_the_database_with_the_rows_sqlite_gives(database, reference, readonly):
    plans = {q["id"]: (parse_question(q["question"]), bool(q.get("ordered"))) for q in ITEMS}
    sqls = {
        name: (plan.arguments["sql"], ordered)
        for name, (plan, ordered) in plans.items()
        if plan.tool == "run_query"
    }
    assert len(sqls) >= 50
    problems = _compare(reference, readonly, sqls)
    assert not problems, "\n".join(problems)


def test_every_gold_query_gives_the_same_rows_on_every_database(database, reference, readonly):
    sqls = {q["id"]: (q["gold"], bool(q.get("ordered"))) for q in ITEMS}
    problems = _compare(reference, readonly, sqls)
    assert not problems, "\n".join(problems)
