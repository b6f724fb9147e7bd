"""The words of a question the offline demo model knows, and what each stands for: the entities it
counts, the metrics it ranks by, the dimensions it groups by, small numbers written out, and the
sample shop's table names (demo_questions.py reads a question with them).
"""

from __future__ import annotations

import re

# fmt: off
ENTITIES = {
    "customer": "customers", "client": "customers", "user": "customers", "order": "orders", "purchase": "orders",
    "product": "products", "ticket": "tickets", "support ticket": "tickets",
    "order item": "items", "line item": "items", "item": "items",
}
METRICS = {
    "revenue": "revenue", "sales": "revenue", "spend": "revenue", "spending": "revenue",
    "orders": "orders", "order count": "orders", "number of orders": "orders",
    "quantity": "quantity", "quantity sold": "quantity", "units": "quantity", "units sold": "quantity",
    "tickets": "tickets", "support tickets": "tickets", "customers": "customers", "number of customers": "customers",
    "average order value": "aov", "aov": "aov", "products": "products", "number of products": "products",
}
DIMENSION_WORDS = {
    "customers": "customer", "products": "product", "countries": "country", "categories": "category",
    "cities": "city", "segments": "segment", "months": "month", "years": "year", "statuses": "status",
    "priorities": "priority",
}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "twenty": 20}
# fmt: on
REDUNDANT = {metric: r"\b(?:orders?|purchases?)\b" for metric in ("revenue", "aov", "orders", "quantity")} | {
    "tickets": r"\b(?:support\s+)?tickets?\b",
    "customers": r"\bcustomers?\b",
    "products": r"\bproducts?\b",
}
"""The noun a metric is counted over: "revenue of cancelled orders" says nothing the plan does not apply."""
MAX_TOP = 50
DIMENSIONS = tuple(dict.fromkeys(DIMENSION_WORDS.values()))
TABLE_NAMES = {"customers", "products", "orders", "order_items", "support_tickets"}


def split_metric(text: str) -> tuple[str | None, str]:
    text = text.strip()
    for k in sorted(METRICS, key=len, reverse=True):
        if re.match(rf"{k}\b", text):
            return METRICS[k], text[len(k) :]
    return None, text


def table_name(word: str) -> str | None:
    if word in TABLE_NAMES:
        return word
    word = word.rstrip("s")
    aliases = {"ticket": "support_tickets", "support_ticket": "support_tickets", "item": "order_items"}
    return aliases.get(word) or next((t for t in TABLE_NAMES if t.rstrip("s") == word), None)
