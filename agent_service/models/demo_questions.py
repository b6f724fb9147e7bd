"""The offline demo model's question parser: a question in English → a Plan (which tool, which SQL).

Why regexes and not a grammar, embeddings or a small local LLM: the demo model exists so the whole system
(queue, worker, MCP tools, streaming, UI) can run and be tested offline and deterministically. A handful of
explicit patterns gives the same SQL for the same question on every machine, is readable in one screen, and
fails in an obvious way (the help text) instead of a plausible-looking wrong query. It is not meant to
understand language; a real model is one setting away (MODEL_PROVIDER=openai).

Shapes (case-insensitive; the SQL targets the bundled sample schema, SQLite dialect):
- "how many <customers|orders|products|tickets|order items>" [in <country|city|category|year>]
  [with status <s> | with priority <p> | <status>/<priority>/<segment> adjective]
- "top [N] <customers|products|countries|categories|cities|segments> by <revenue|orders|quantity|tickets|...>"
- "[total] <revenue|orders|tickets|customers|quantity|average order value> per|by <dimension>"
- "what tables are there" / "describe <table>"; "what did I ask before" (answered from history in demo.py)
Revenue counts every order except cancelled ones; the answer says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# fmt: off
ENTITIES = {
    "customer": "customers", "client": "customers", "user": "customers", "order": "orders", "purchase": "orders",
    "product": "products", "ticket": "support_tickets", "support ticket": "support_tickets",
    "order item": "order_items", "line item": "order_items", "item": "order_items",
}
ORDER_STATUSES = ("delivered", "shipped", "processing", "cancelled", "returned")
TICKET_STATUSES = ("open", "pending", "resolved", "closed")
SEGMENTS = ("consumer", "small business", "enterprise")
METRICS = {
    "revenue": "revenue", "sales": "revenue", "spend": "revenue", "spending": "revenue",
    "orders": "orders", "order count": "orders", "number of orders": "orders",
    "quantity": "quantity", "quantity sold": "quantity", "units": "quantity", "units sold": "quantity",
    "tickets": "tickets", "support tickets": "tickets", "customers": "customers",
    "average order value": "aov", "aov": "aov",
}
TOP_DIMENSIONS = {"customers": "customer", "products": "product", "countries": "country",
                  "categories": "category", "cities": "city", "segments": "segment"}
DIMENSIONS = ("country", "city", "segment", "customer", "product", "category", "status", "priority", "month", "year")
# fmt: on
NOT_CANCELLED = "o.status <> 'cancelled'"
METRIC_ALIASES = {"aov": "average_order_value"}
REVENUE_NOTE = "Revenue counts all orders except cancelled ones."


@dataclass(frozen=True)
class Plan:
    """What the demo model does for a question: `tool` + `arguments`, or a direct `text` answer."""

    kind: str  # count | top | per | tables | describe | history | help | unsupported
    title: str = ""
    tool: str | None = None
    arguments: dict = field(default_factory=dict)
    tables: tuple[str, ...] = ()
    metric: str = ""
    note: str = ""
    text: str = ""


def parse_question(question: str) -> Plan:
    q = " ".join(question.lower().replace("’", "'").split()).rstrip("?!. ")
    if re.search(r"what did i (just )?ask|previous question|last question|earlier question|asked before", q):
        return Plan("history")
    for parse in (_tables, _describe, _top, _per, _count):
        plan = parse(q)
        if plan is not None:
            return plan
    return Plan("help")


def _tables(q: str) -> Plan | None:
    if re.search(r"\b(what|which|list|show)\b.*\btables\b|\bschema\b", q):
        return Plan("tables", "Tables in the database", "list_tables")
    return None


def _describe(q: str) -> Plan | None:
    m = re.search(r"\b(?:describe|columns (?:of|in)|structure of)\s+(?:the\s+)?([a-z_]+)", q)
    if not m:
        return None
    table = _table_name(m.group(1)) or m.group(1)
    return Plan("describe", f"Columns of {table}", "describe_table", {"table": table}, (table,))


def _top(q: str) -> Plan | None:
    m = re.search(r"\btop\s+(\d+\s+)?([a-z]+)\s+by\s+(.+)$", q)
    if not m:
        return None
    n = min(int(m.group(1) or 5), 50)
    dim = TOP_DIMENSIONS.get(m.group(2))
    metric = _metric(m.group(3))
    if dim is None or metric is None:
        return _unsupported(f"top {m.group(2)} by {m.group(3)}")
    built = _aggregate(metric, dim, f"ORDER BY {{metric}} DESC LIMIT {n}")
    if built is None:
        return _unsupported(f"{m.group(2)} by {m.group(3)}")
    sql, tables = built
    return _query_plan("top", f"Top {n} {m.group(2)} by {_metric_label(metric)}", sql, tables, metric)


def _per(q: str) -> Plan | None:
    metric_words = "|".join(sorted(METRICS, key=len, reverse=True))
    m = re.search(rf"\b({metric_words})\s+(?:per|by|for each|in each|for every)\s+([a-z]+)", q)
    if not m:
        return None
    metric, dim = METRICS[m.group(1)], m.group(2).rstrip("s") if m.group(2) != "status" else "status"
    dim = {"countrie": "country", "citie": "city", "categorie": "category"}.get(dim, dim)
    if dim not in DIMENSIONS:
        return _unsupported(f"{m.group(1)} per {m.group(2)}")
    order = "ORDER BY {dim}" if dim in ("month", "year") else "ORDER BY {metric} DESC"
    built = _aggregate(metric, dim, order)
    if built is None:
        return _unsupported(f"{m.group(1)} per {m.group(2)}")
    sql, tables = built
    return _query_plan("per", f"{_metric_label(metric).capitalize()} per {dim}", sql, tables, metric)


def _count(q: str) -> Plan | None:
    m = re.search(r"\b(?:how many|number of|count(?: of)?(?: the)?)\s+(.+)$", q)
    if not m:
        return None
    rest = m.group(1)
    entity = next(
        (ENTITIES[k] for k in sorted(ENTITIES, key=len, reverse=True) if re.search(rf"\b{k}s?\b", rest)), None
    )
    if entity is None:
        return None
    alias = {"customers": "c", "orders": "o", "products": "p", "support_tickets": "t", "order_items": "oi"}[
        entity
    ]
    joins, where, words = _count_filters(entity, alias, rest)
    sql = f"SELECT COUNT(*) AS count FROM {entity} {alias}{joins}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    noun = entity.replace("_", " ")
    title = " ".join([f"Number of {noun}", *words])
    tables = tuple(dict.fromkeys([entity, *re.findall(r"JOIN (\w+)", joins)]))
    return _query_plan("count", title, sql, tables, "count")


def _count_filters(entity: str, alias: str, rest: str) -> tuple[str, list[str], list[str]]:
    joins, where, words = "", [], []
    customer = {"customers": "c", "orders": "c", "support_tickets": "c"}.get(entity)
    if entity in ("orders", "support_tickets"):
        joins = f" JOIN customers c ON c.id = {alias}.customer_id"
    date_col = {"customers": "c.created_at", "orders": "o.order_date", "support_tickets": "t.created_at"}
    year = re.search(r"\b(?:in|during|for)\s+(20\d\d)\b", rest)
    if year and entity in date_col:
        where.append(f"strftime('%Y', {date_col[entity]}) = '{year.group(1)}'")
        words.append(f"in {year.group(1)}")
    place = re.search(
        r"\b(?:in|from)\s+(?:the\s+)?(?!20\d\d\b)([a-z][a-z .'-]*?)(?=\s+(?:with|in|from|that|which)\b|$)",
        rest,
    )
    if place and entity == "products":
        where.append(f"lower(p.category) = '{_sql_text(place.group(1))}'")
        words.append(f"in category {place.group(1).title()}")
    elif place and customer:
        value = _sql_text(place.group(1))
        where.append(f"(lower(c.country) = '{value}' OR lower(c.city) = '{value}')")
        words.append(f"in {place.group(1).title()}")
    statuses = (
        ORDER_STATUSES if entity == "orders" else TICKET_STATUSES if entity == "support_tickets" else ()
    )
    status = re.search(r"\bstatus\s+(?:of\s+|is\s+|=\s*)?'?([a-z]+)", rest)
    word = status.group(1) if status else next((s for s in statuses if re.search(rf"\b{s}\b", rest)), None)
    if word and entity in ("orders", "support_tickets"):
        where.append(f"{alias}.status = '{_sql_text(word)}'")
        words.append(f"with status {word}")
    priority = re.search(r"\bpriority\s+'?([a-z]+)|\b(low|medium|high|urgent)\b(?:[- ]priority)?", rest)
    if priority and entity == "support_tickets":
        value = priority.group(1) or priority.group(2)
        where.append(f"t.priority = '{_sql_text(value)}'")
        words.append(f"with priority {value}")
    segment = next((s for s in SEGMENTS if re.search(rf"\b{s}\b", rest)), None)
    if segment and customer:
        where.append(f"lower(c.segment) = '{segment}'")
        words.append(f"in the {segment.title()} segment")
    if customer is None or (joins and not any("c." in w for w in where)):
        joins = ""  # no customer filter: skip the join
    return joins, where, words


def _aggregate(metric: str, dim: str, order: str) -> tuple[str, tuple[str, ...]] | None:
    """SELECT <dim>, <metric> ... GROUP BY <dim> <order>; None when the pair makes no sense here."""
    if metric in ("tickets", "customers") and dim in ("product", "category"):
        return None
    items = metric == "quantity" or (dim in ("product", "category") and metric in ("revenue", "orders"))
    where = "" if metric in ("orders", "tickets", "customers") or dim == "status" else NOT_CANCELLED
    if metric == "tickets":
        base, date, status, value = (
            "support_tickets t JOIN customers c ON c.id = t.customer_id",
            "t.created_at",
            "t.status",
            "COUNT(*)",
        )
    elif metric == "customers":
        base, date, status, value = "customers c", "c.created_at", None, "COUNT(*)"
    elif items:
        base = (
            "order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id "
            "JOIN customers c ON c.id = o.customer_id"
        )
        date, status = "o.order_date", "o.status"
        value = {
            "quantity": "SUM(oi.quantity)",
            "revenue": "ROUND(SUM(oi.quantity * oi.unit_price), 2)",
            "orders": "COUNT(DISTINCT o.id)",
        }[metric]
    else:
        base, date, status = "orders o JOIN customers c ON c.id = o.customer_id", "o.order_date", "o.status"
        value = {"revenue": "ROUND(SUM(o.total), 2)", "orders": "COUNT(*)", "aov": "ROUND(AVG(o.total), 2)"}[
            metric
        ]
    label = {
        "country": "c.country",
        "city": "c.city",
        "segment": "c.segment",
        "customer": "c.name",
        "product": "p.name",
        "category": "p.category",
        "status": status,
        "priority": "t.priority" if metric == "tickets" else None,
        "month": f"strftime('%Y-%m', {date})",
        "year": f"strftime('%Y', {date})",
    }[dim]
    if label is None:
        return None
    alias = METRIC_ALIASES.get(metric, metric)
    sql = f"SELECT {label} AS {dim}, {value} AS {alias} FROM {base}"
    sql += f" WHERE {where}" if where else ""
    sql += f" GROUP BY {'c.id, c.name' if dim == 'customer' else dim} {order.format(dim=dim, metric=alias)}"
    tables = tuple(dict.fromkeys(re.findall(r"(?:^|JOIN )(\w+)", base)))
    return sql, tables


def _query_plan(kind: str, title: str, sql: str, tables: tuple[str, ...], metric: str) -> Plan:
    note = REVENUE_NOTE if metric in ("revenue", "aov", "quantity") else ""
    return Plan(kind, title, "run_query", {"sql": sql}, tables, metric, note)


def _unsupported(what: str) -> Plan:
    return Plan(
        "unsupported",
        text=f"I (the offline demo model) cannot break down **{what}** with the sample "
        "schema. Try one of the example questions below.",
    )


def _metric(text: str) -> str | None:
    text = text.strip()
    return next((METRICS[k] for k in sorted(METRICS, key=len, reverse=True) if text.startswith(k)), None)


def _metric_label(metric: str) -> str:
    return {"aov": "average order value", "quantity": "quantity sold", "count": "count"}.get(metric, metric)


def _table_name(word: str) -> str | None:
    word = word.rstrip("s")
    return next(
        (v for k, v in ENTITIES.items() if k.replace(" ", "_") == word or v.rstrip("s") == word), None
    )


def _sql_text(value: str) -> str:
    return value.strip().replace("'", "''")
