"""The offline demo model's question parser: a question in English → a Plan (which tool, which SQL, and which
parts of the question it applied or declined).

Why regexes and not a grammar, embeddings or a small local LLM: the demo model exists so the whole system
(queue, worker, MCP tools, streaming, UI) can run and be tested offline and deterministically. A handful of
explicit patterns gives the same SQL for the same question on every machine, is readable in one screen, and
fails in an obvious way (the help text) instead of a plausible-looking wrong query. It is not meant to
understand language; a real model is one setting away (MODEL_PROVIDER=openai).

Every part of a question is either honoured or named in the answer: demo_filters.py takes out the narrowing
parts (a period, a status, a category, a place, a segment, a priority) wherever they are; the shape patterns
below read what is left; a part the chosen query cannot apply, and any word nobody used, lands in
`Plan.ignored`, which the answer states ("I ignored …"). Writes and attempts to reach past the shop's data are
refused before anything runs (demo_refusals.py).

Shapes (case-insensitive; SQL in SQLite's dialect over the bundled sample schema, transpiled by demo_sql.py):
- "how many <customers|orders|products|tickets|order items>" + parts
- "top|bottom [N] <customers|products|countries|categories|cities|segments|...> by <metric>" + parts
- "which <dimension> has the most|highest|lowest <metric>" (top or bottom 1) + parts
- "<metric> per|by <dimension>" + parts; "[total] <revenue|average order value|quantity sold>" + parts
- "what tables are there" / "describe <table>"; "what did I ask before" (answered from history in demo.py)
Revenue counts every order except cancelled ones unless a status is asked for; the answer says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent_service.models.demo_filters import (
    MEANING_WORDS,
    Part,
    extract,
    leftover,
    outside_data,
    unknown_place,
)
from agent_service.models.demo_query import build, metric_label
from agent_service.models.demo_refusals import refusal
from agent_service.models.demo_words import (
    DIMENSION_WORDS,
    DIMENSIONS,
    ENTITIES,
    MAX_TOP,
    METRICS,
    NUMBERS,
    REDUNDANT,
    split_metric,
    table_name,
)


@dataclass(frozen=True)
class Plan:
    """What the demo model does for a question: `tool` + `arguments`, or a direct `text` answer."""

    kind: str  # count | total | top | per | tables | describe | history | help | unsupported | refusal
    title: str = ""
    tool: str | None = None
    arguments: dict = field(default_factory=dict)
    tables: tuple[str, ...] = ()
    metric: str = ""
    note: str = ""
    text: str = ""
    ignored: tuple[str, ...] = ()
    """Parts of the question this plan does not apply, each with the reason (the answer says them)."""


def parse_question(question: str) -> Plan:
    q = " ".join(question.lower().replace("’", "'").split()).rstrip("?!. ")
    refused = refusal(q)
    if refused:
        return Plan("refusal", text=refused)
    if re.search(r"what did i (just )?ask|previous question|last question|earlier question|asked before", q):
        return Plan("history")
    parts, rest = extract(q)
    for parse in (_tables, _describe, _top, _which, _per, _count, _total):
        plan = parse(rest, parts)
        if plan is not None:
            return plan
    return Plan("help")


def _tables(rest: str, parts: list[Part]) -> Plan | None:
    m = re.search(r"\b(what|which|list|show)\b.*\btables\b|\bschema\b", rest)
    if not m:
        return None
    return _finish(
        Plan("tables", "Tables in the database", "list_tables"), parts, _cut(rest, m), "listing tables"
    )


def _describe(rest: str, parts: list[Part]) -> Plan | None:
    m = re.search(r"\b(?:describe|columns (?:of|in)|structure of)\s+(?:the\s+)?([a-z_]+)", rest)
    if not m:
        return None
    table = table_name(m.group(1)) or m.group(1)
    plan = Plan("describe", f"Columns of {table}", "describe_table", {"table": table}, (table,))
    return _finish(plan, parts, _cut(rest, m), "describing a table")


def _top(rest: str, parts: list[Part]) -> Plan | None:
    m = re.search(
        r"\b(top|bottom|best|worst)\s+(\d+\s+|[a-z]+\s+)?([a-z]+)\s+(?:by|in terms of|for)\s+(.+)$", rest
    )
    if not m:
        return None
    count = (m.group(2) or "").strip()
    if count and not count.isdigit() and count not in NUMBERS:
        return None
    asked = int(count) if count.isdigit() else NUMBERS.get(count, 5)
    capped = (f"“{m.group(1)} {asked}”: I list at most {MAX_TOP}, so these are the first {MAX_TOP}",)
    n = min(asked, MAX_TOP)
    low = m.group(1) in ("bottom", "worst")
    return _ranked(m.group(3), m.group(4), n, low, rest[: m.start()], parts, capped if asked > n else ())


def _which(rest: str, parts: list[Part]) -> Plan | None:
    m = re.search(
        r"\bwhich\s+([a-z]+)\s+(?:has|had|have|made|generated|brought in|got)?\s*(?:the\s+)?"
        r"(most|highest|largest|biggest|best|fewest|least|lowest|smallest|worst)\s+(.+)$",
        rest,
    )
    if not m:
        return None
    word = m.group(1) if m.group(1).endswith("s") else m.group(1) + "s"
    word = {"countrys": "countries", "citys": "cities", "categorys": "categories"}.get(word, word)
    low = m.group(2) in ("fewest", "least", "lowest", "smallest", "worst")
    return _ranked(word, m.group(3), 1, low, rest[: m.start()], parts)


def _ranked(
    noun: str,
    metric_text: str,
    n: int,
    low: bool,
    before: str,
    parts: list[Part],
    capped: tuple[str, ...] = (),
) -> Plan:
    dim = DIMENSION_WORDS.get(noun)
    metric, after = split_metric(metric_text)
    if dim is None or metric is None:
        return _unsupported(f"{noun} by {metric_text}")
    built = build(metric, dim, parts, top=n, ascending=low)
    if built is None:
        return _unsupported(f"{noun} by {metric_label(metric)}")
    if n == 1:
        counted = metric in ("customers", "orders", "tickets", "products")
        most = ("fewest" if low else "most") if counted else ("lowest" if low else "highest")
        base = f"The {dim} with the {most} {metric_label(metric)}"
    else:
        base = f"{'Bottom' if low else 'Top'} {n} {noun} by {metric_label(metric)}"
    title = _title(base, built.applied)
    plan = _query_plan("top", title, built, metric)
    return _finish(plan, parts, before + " " + after, "", built.ignored + capped)


def _per(rest: str, parts: list[Part]) -> Plan | None:
    metric_words = "|".join(sorted(METRICS, key=len, reverse=True))
    m = re.search(
        rf"\b({metric_words})\s+(?:per|by|for each|in each|for every|each|broken down by|split by|grouped by)\s+([a-z]+)",
        rest,
    )
    if not m:
        return None
    metric, word = METRICS[m.group(1)], m.group(2)
    dim = DIMENSION_WORDS.get(word, word)
    if dim not in DIMENSIONS:
        return _unsupported(f"{m.group(1)} per {word}")
    built = build(metric, dim, parts)
    if built is None:
        return _unsupported(f"{m.group(1)} per {word}")
    title = _title(f"{_upper(metric_label(metric))} per {dim}", built.applied)
    return _finish(_query_plan("per", title, built, metric), parts, _cut(rest, m), "", built.ignored)


def _count(rest: str, parts: list[Part]) -> Plan | None:
    m = re.search(r"\b(?:how many|number of|count(?: of)?(?: the)?|total number of)\s+(.+)$", rest)
    if not m:
        return None
    words = m.group(1)
    hits = [
        (hit.start(), -len(k), hit, ENTITIES[k]) for k in ENTITIES if (hit := re.search(rf"\b{k}s?\b", words))
    ]
    if not hits:
        return None
    _, _, hit, entity = min(hits, key=lambda h: h[:2])
    before, after = words[: hit.start()], words[hit.end() :]
    place, after = unknown_place(after) if entity != "products" else (None, after)
    all_parts = [*parts, place] if place else parts
    built = build(entity, None, all_parts)
    if built is None:
        return None
    noun = {"tickets": "support tickets", "items": "order items"}.get(entity, entity)
    title = _title(f"Number of {noun}", built.applied)
    plan = _query_plan("count", title, built, entity)
    return _finish(plan, all_parts, rest[: m.start()] + " " + before + " " + after, "", built.ignored)


def _total(rest: str, parts: list[Part]) -> Plan | None:
    metric_words = "revenue|sales|average order value|aov|quantity sold|units sold"
    m = re.search(rf"\b(?:total\s+|overall\s+)?({metric_words})\b", rest)
    if not m:
        return None
    metric = METRICS[m.group(1)]
    built = build(metric, None, parts)
    if built is None:
        return None
    title = _title(f"{'Total ' if metric != 'aov' else ''}{metric_label(metric)}", built.applied)
    return _finish(
        _query_plan("total", _upper(title), built, metric), parts, _cut(rest, m), "", built.ignored
    )


def _query_plan(kind: str, title: str, built, metric: str) -> Plan:
    return Plan(kind, title, "run_query", {"sql": built.sql}, built.tables, metric, built.note)


def _finish(plan: Plan, parts: list[Part], rest: str, what: str, ignored: tuple[str, ...] = ()) -> Plan:
    """`plan` with the question's unused parts and words recorded in `ignored`."""
    notes = list(ignored)
    if what:
        notes += [f"“{p.phrase.strip()}”: {what} does not filter" for p in parts]
    words = leftover(re.sub(REDUNDANT.get(plan.metric, "^$"), " ", rest))
    changing = [w for w in words if w in MEANING_WORDS]
    if changing and plan.tool == "run_query":
        return Plan(
            "unsupported",
            text=f"I (the offline demo model) cannot answer this: “{' '.join(words)}” would change "
            f"the result and I cannot compute it; the closest I can do is “{plan.title}”, which would be a "
            "different number. Rephrase, or use a real model.",
        )
    if words:
        notes.append(
            f"the word{'s' if len(words) > 1 else ''} “{' '.join(words)}”: "
            f"I did not understand {'them' if len(words) > 1 else 'it'}"
        )
    note = plan.note
    if outside_data(parts):
        note = " ".join(filter(None, [note, "The sample data covers 2023 and 2024 only."]))
    return Plan(**{**plan.__dict__, "ignored": tuple(notes), "note": note})


def _title(base: str, applied: list[str]) -> str:
    return " ".join([base, ", ".join(applied)]).strip()


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cut(text: str, m: re.Match) -> str:
    return text[: m.start()] + " " + text[m.end() :]


def _unsupported(what: str) -> Plan:
    return Plan(
        "unsupported",
        text=f"I (the offline demo model) cannot break down **{what}** with the sample "
        "schema. Try one of the example questions below.",
    )


__all__ = ["Plan", "parse_question"]
