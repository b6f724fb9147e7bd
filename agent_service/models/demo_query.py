"""The demo model's SQL builder: a metric, an optional dimension and the question's parts → one SELECT over the
sample schema, in SQLite's dialect (demo_sql.py transpiles it for the connected database).

Why one builder for every shape: "how many orders in 2024", "revenue per month in 2024" and "top 5 customers by
revenue in 2024" apply the same period, status, category, place, segment and priority the same way; which of
them a query can apply depends only on the tables it reads (tickets have no category, products no date), so
the builder is also where a part is declined, with the reason the answer gives. Filters compare with literal
values from the sample catalog and dates as ISO-string ranges (`>= '2024-01-01' AND < '2025-01-01'`), which
SQLite's TEXT dates, PostgreSQL's and MariaDB's TIMESTAMPs all read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent_service.models.demo_filters import ORDER_STATUSES, TICKET_STATUSES, Part

NOT_CANCELLED = "o.status <> 'cancelled'"
REVENUE_NOTE = "Revenue counts all orders except cancelled ones."


@dataclass(frozen=True)
class Source:
    """Tables a metric reads: the FROM root, optional joins (alias, clause), and its date/status columns."""

    noun: str
    root: str
    joins: tuple[tuple[str, str], ...]
    date: str | None
    status: str | None
    statuses: tuple[str, ...] = ()


ITEMS_JOINS = (
    ("o", "JOIN orders o ON o.id = oi.order_id"),
    ("p", "JOIN products p ON p.id = oi.product_id"),
    ("c", "JOIN customers c ON c.id = o.customer_id"),
)
SOURCES = {
    "orders": Source(
        "orders",
        "orders o",
        (("c", "JOIN customers c ON c.id = o.customer_id"),),
        "o.order_date",
        "o.status",
        ORDER_STATUSES,
    ),
    "items": Source("order items", "order_items oi", ITEMS_JOINS, "o.order_date", "o.status", ORDER_STATUSES),
    "tickets": Source(
        "support tickets",
        "support_tickets t",
        (("c", "JOIN customers c ON c.id = t.customer_id"),),
        "t.created_at",
        "t.status",
        TICKET_STATUSES,
    ),
    "customers": Source("customers", "customers c", (), "c.created_at", None),
    "products": Source("products", "products p", (), None, None),
}
ALIASES = {"aov": "average_order_value", "items": "count", "products": "count"}


@dataclass(frozen=True)
class Built:
    sql: str
    tables: tuple[str, ...]
    applied: list[str]
    ignored: tuple[str, ...]
    note: str


def metric_label(metric: str) -> str:
    return {
        "aov": "average order value",
        "quantity": "quantity sold",
        "items": "order items",
        "tickets": "support tickets",
    }.get(metric, metric)


def build(
    metric: str, dim: str | None, parts: list[Part], *, top: int | None = None, ascending: bool = False
) -> Built | None:
    """The query for `metric` [per `dim`] narrowed by `parts`; None when the pair makes no sense here."""
    source = SOURCES[_source(metric, dim, parts)]
    value = _value(metric, source)
    if value is None:
        return None
    label = _label(dim, source) if dim else ""
    if label is None:
        return None
    where, applied, ignored = _where(source, parts, metric)
    note = ""
    if metric in ("revenue", "aov", "quantity") and dim != "status" and not _has(parts, "status", source):
        where.insert(0, NOT_CANCELLED)
        note = REVENUE_NOTE
    alias = ALIASES.get(metric, metric if metric != "tickets" or dim else "tickets")
    if dim is None:
        alias = "count" if metric in ("customers", "orders", "tickets", "items", "products") else alias
    select = f"SELECT {label} AS {dim}, {value} AS {alias}" if dim else f"SELECT {value} AS {alias}"
    body = " ".join([select, "FROM", source.root, _joins(source, " ".join([label, value, *where]))])
    sql = body.strip() + (" WHERE " + " AND ".join(where) if where else "")
    if dim:
        group = {"customer": "c.id, c.name", "product": "p.id, p.name"}.get(dim, dim)
        if dim in ("month", "year"):
            order = f"ORDER BY {dim}"
        else:
            order = f"ORDER BY {alias} {'ASC' if ascending else 'DESC'}, {dim}"
        sql += f" GROUP BY {group} {order}"
        if top:
            sql += f" LIMIT {top}"
    tables = tuple(dict.fromkeys(re.findall(r"(?:FROM|JOIN) (\w+)", sql)))
    return Built(sql, tables, applied, tuple(ignored), note)


def _source(metric: str, dim: str | None, parts: list[Part]) -> str:
    if metric in ("tickets", "customers", "products", "items"):
        return metric
    category = any(p.kind == "category" for p in parts)
    if (
        metric == "quantity"
        or dim in ("product", "category")
        or (category and metric in ("revenue", "orders"))
    ):
        return "items"
    return "orders"


def _value(metric: str, source: Source) -> str | None:
    items = source.root.startswith("order_items")
    if metric == "revenue":
        return "ROUND(SUM(oi.quantity * oi.unit_price), 2)" if items else "ROUND(SUM(o.total), 2)"
    if metric == "orders":
        return "COUNT(DISTINCT o.id)" if items else "COUNT(*)"
    if metric == "aov":
        return "ROUND(AVG(o.total), 2)"
    if metric == "quantity":
        return "SUM(oi.quantity)"
    return "COUNT(*)"


def _label(dim: str, source: Source) -> str | None:
    has_customers = source.root.startswith("customers") or any(a == "c" for a, _ in source.joins)
    has_products = source.root.startswith(("products", "order_items"))
    labels = {
        "country": "c.country" if has_customers else None,
        "city": "c.city" if has_customers else None,
        "segment": "c.segment" if has_customers else None,
        "customer": "c.name" if has_customers and not source.root.startswith("customers") else None,
        "product": "p.name" if source.root.startswith("order_items") else None,
        "category": "p.category" if has_products else None,
        "status": source.status,
        "priority": "t.priority" if source.root.startswith("support_tickets") else None,
        "month": f"strftime('%Y-%m', {source.date})" if source.date else None,
        "year": f"strftime('%Y', {source.date})" if source.date else None,
    }
    return labels.get(dim)


def _where(source: Source, parts: list[Part], metric: str) -> tuple[list[str], list[str], list[str]]:
    where: list[str] = []
    applied: list[str] = []
    ignored: list[str] = []
    has_customers = source.root.startswith("customers") or any(a == "c" for a, _ in source.joins)
    for part in parts:
        phrase = f"“{part.phrase.strip()}”"
        reason = ""
        if part.kind == "relative":
            reason = "I do not resolve relative dates; name the period, e.g. “in 2024”"
        elif part.kind == "period" and source.date:
            start, end = part.value[0], part.value[1]
            where += [f"{source.date} >= '{start}'"] if start else []
            where += [f"{source.date} < '{end}'"] if end else []
        elif part.kind == "period":
            reason = f"{source.noun} have no date"
        elif part.kind == "status" and part.value[0] in source.statuses:
            where.append(f"{source.status} = '{part.value[0]}'")
        elif part.kind == "status":
            known = ", ".join(source.statuses)
            reason = f"{source.noun} have the statuses {known}" if known else f"{source.noun} have no status"
        elif part.kind == "category" and source.root.startswith(("products", "order_items")):
            where.append(f"p.category = '{part.value[0]}'")
        elif part.kind == "category":
            reason = (
                "an order's average value is over whole orders, not one category"
                if metric == "aov"
                else f"{source.noun} have no product category"
            )
        elif part.kind in ("place", "segment") and has_customers:
            where.append(_customer_filter(part))
        elif part.kind in ("place", "segment"):
            reason = f"{source.noun} are not linked to a customer's place or segment"
        elif part.kind == "priority" and source.root.startswith("support_tickets"):
            where.append(f"t.priority = '{part.value[0]}'")
        else:
            reason = f"only support tickets have a priority, not {source.noun}"
        if reason:
            ignored.append(f"{phrase}: {reason}")
        else:
            applied.append(part.label)
    return where, applied, ignored


def _customer_filter(part: Part) -> str:
    if part.kind == "segment":
        return f"c.segment = '{part.value[0].title()}'"
    kind, name = part.value
    value = name.replace("'", "''")
    if kind == "place":  # a place the catalog does not know: either column, case-insensitively
        return f"(lower(c.country) = '{value.lower()}' OR lower(c.city) = '{value.lower()}')"
    return f"c.{kind} = '{value}'"


def _has(parts: list[Part], kind: str, source: Source) -> bool:
    return any(p.kind == kind and p.value and p.value[0] in source.statuses for p in parts)


def _joins(source: Source, used: str) -> str:
    needed = {a for a, _ in source.joins if re.search(rf"\b{a}\.", used)}
    if source.root.startswith("order_items") and needed:
        needed.add("o")  # customers join through orders
    return " ".join(clause for alias, clause in source.joins if alias in needed)
