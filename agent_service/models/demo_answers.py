"""The offline demo model's answers: text built from the REAL tool results (rows, schema, errors).

Kept apart from the parser (demo_questions.py) and the SDK plumbing (demo.py) so each stays one screen.
Answers say they come from the offline demo model where natural, so nobody mistakes them for an LLM.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent_service.models.demo_questions import Plan

EXAMPLES = [
    "How many customers are in Germany?",
    "How many orders with status cancelled in 2024?",
    "Revenue per month in 2024",
    "Top 5 customers by revenue in 2024",
    "Top 5 products by quantity sold",
    "Total revenue per country",
    "Revenue per month",
    "Tickets per priority",
    "What tables are there?",
    "What did I ask before?",
]
HELP = (
    "I am the offline demo model: deterministic, no LLM and no network. I answer a few question shapes about "
    "the sample shop database (customers, products, orders, order items, support tickets) by calling the "
    "analytics tools and summarising the real rows they return.\n\nTry:\n"
    + "\n".join(f"- {q}" for q in EXAMPLES)
    + "\n\nSet MODEL_PROVIDER=openai (with OPENAI_API_KEY and optionally OPENAI_BASE_URL) to use a real model."
)
MAX_TABLE_ROWS = 25


@dataclass(frozen=True)
class Reply:
    """What one model call produces: text to stream, or one function call."""

    text: str = ""
    tool: str | None = None
    arguments: dict | None = None


def help_text(prefix: str = "") -> str:
    return f"{prefix}\n\n{HELP}" if prefix else HELP


def history_answer(previous: list[str]) -> str:
    if not previous:
        return "This is the first question in this conversation, so there is nothing earlier to recall."
    lines = "\n".join(f"{i}. {q}" for i, q in enumerate(previous, 1))
    return (
        f"Your previous question was: “{previous[-1]}”.\n\nEverything you asked in this conversation "
        f"so far ({len(previous)}):\n{lines}"
    )


def tool_error_answer(plan: Plan, message: str) -> str:
    message = message.removeprefix(f"Error executing tool {plan.tool}: ")
    return (
        f"I tried to answer “{plan.title}” but the tool `{plan.tool}` returned an error:\n\n> {message}\n\n"
        "As the offline demo model I do not rewrite queries; rephrase the question or use a real model."
    )


def missing_tables_answer(plan: Plan, available: list[str]) -> str:
    return (
        f"To answer “{plan.title}” I need the table(s) {', '.join(plan.tables)}, but this database has: "
        f"{', '.join(available) or 'no tables'}. The demo model only knows the sample schema."
    )


def answer(plan: Plan, output: dict[str, Any]) -> str:
    """The final answer for `plan` given the parsed JSON the tool returned, then what it did not apply."""
    text = _answer(plan, output)
    if plan.ignored:
        text += "\n\n" + ignored_text(plan.ignored)
    return text


def ignored_text(ignored: tuple[str, ...]) -> str:
    """Says out loud which parts of the question the answer did not apply, and why."""
    return "I ignored " + "; and ".join(ignored) + "."


def _answer(plan: Plan, output: dict[str, Any]) -> str:
    if plan.kind == "tables":
        rows = [[t["name"], ", ".join(t.get("columns", []))] for t in output.get("tables", [])]
        return f"The database has {len(rows)} tables:\n\n{markdown_table(['table', 'columns'], rows)}"
    if plan.kind == "describe":
        rows = [
            [c["name"], c["type"], "yes" if c["primary_key"] else "", "yes" if c["nullable"] else "no"]
            for c in output.get("columns", [])
        ]
        fks = "; ".join(
            f"{', '.join(f['columns'])} → {f['references']}" for f in output.get("foreign_keys", [])
        )
        text = (
            f"Table **{output.get('table')}** has {_fmt(output.get('row_count', 0))} rows and these columns:"
            f"\n\n{markdown_table(['column', 'type', 'primary key', 'nullable'], rows)}"
        )
        return text + (f"\n\nForeign keys: {fks}." if fks else "")
    columns, rows = output.get("columns", []), output.get("rows", [])
    if plan.kind in ("count", "total"):
        value = rows[0][0] if rows and rows[0] else 0
        if plan.kind == "total":
            return _with_note(f"{plan.title}: **{_fmt(value if value is not None else 0)}**.", plan)
        what = plan.title.removeprefix("Number of ")
        return _with_note(f"There {'is' if value == 1 else 'are'} **{_fmt(value)}** {what}.", plan)
    if not rows:
        return _with_note(f"{plan.title}: the query returned no rows.", plan)
    total = max(int(output.get("row_count") or 0), len(rows))
    complete = total == len(rows) and not output.get("truncated")
    text = f"{plan.title}:\n\n{markdown_table(columns, rows)}"
    text += "\n\n" + _highlight(plan, columns, rows, complete)
    shown = min(len(rows), MAX_TABLE_ROWS)
    if not complete or shown < len(rows):
        more = f"{_fmt(total)}{'+' if output.get('truncated') else ''}"
        text += f"\n\n(Showing the first {shown} of {more} rows.)"
    return _with_note(text, plan)


def _with_note(text: str, plan: Plan) -> str:
    return f"{text}\n\n{plan.note}" if plan.note else text


def _highlight(plan: Plan, columns: list[str], rows: list[list[Any]], complete: bool) -> str:
    values = [r[1] for r in rows if len(r) > 1 and isinstance(r[1], int | float)]
    if not values:
        return ""
    best = max(rows, key=lambda r: r[1] if isinstance(r[1], int | float) else float("-inf"))
    among = "" if complete else f" among the first {len(rows)} rows"
    text = f"**{best[0]}** is highest{among} with {_fmt(best[1])} ({columns[1].replace('_', ' ')})."
    if (
        complete
        and plan.kind == "per"
        and plan.metric in ("revenue", "orders", "quantity", "tickets", "customers")
    ):
        text += f" Total across {len(rows)} groups: {_fmt(round(sum(values), 2))}."
    return text


def markdown_table(columns: list[str], rows: list[list[Any]]) -> str:
    head = "| " + " | ".join(str(c) for c in columns) + " |"
    rule = "| " + " | ".join("---:" if _numeric(rows, i) else "---" for i in range(len(columns))) + " |"
    body = [
        "| " + " | ".join(_fmt(v).replace("|", "\\|") for v in row) + " |" for row in rows[:MAX_TABLE_ROWS]
    ]
    return "\n".join([head, rule, *body])


def parse_tool_output(text: str) -> dict[str, Any] | None:
    """The tool's JSON result, or None when the text is an error message."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def _numeric(rows: list[list[Any]], i: int) -> bool:
    return bool(rows) and all(
        isinstance(r[i], int | float) for r in rows[:MAX_TABLE_ROWS] if r[i] is not None
    )


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def no_tools_answer(question: str) -> str:
    """The demo's reply as an agent without tools: it can only talk."""
    return (
        "I am the offline demo model, answering as an agent without tools, so I can talk but not look "
        f"anything up. You said: “{question.strip()}”"
    )
