"""The check of one function call in a query, for the statement check (statement.py).

A call is refused when its name is not on the database's allow-list (functions.py), when it is
schema-qualified (only built-ins are callable; PostgreSQL's `pg_catalog.` is the one schema allowed),
or when it can build a huge value in one call: `repeat`, `lpad`, `rpad` and `space` lengths and
SQLite `printf` widths must be literal numbers up to MAX_PRINTF_WIDTH (`repeat('x', 100000000)` is a
100 MB value per row, on the server and in the driver). Function nodes that are SQL syntax rather
than calls by name (CAST, CASE, EXTRACT, TRIM … FROM, …) are not calls. Each check answers the
refusal's message, or None; statement.py raises it as a StatementError.
"""

from __future__ import annotations

import re

from sqlglot import exp

SYNTAX_NODES = (
    exp.Cast,
    exp.TryCast,
    exp.Case,
    exp.If,
    exp.Extract,
    exp.Coalesce,
    exp.Nullif,
    exp.Exists,
    exp.Greatest,
    exp.Least,
    exp.Trim,
)
"""Function nodes that are SQL syntax, not calls by name (their rendering may still look like a call)."""
_CALL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_$]*)\s*\(")
_PRINTF_SPEC = re.compile(r"%[-+ 0#,!]*(\*|\d+)?(?:\.(\*|\d+))?")
MAX_PRINTF_WIDTH = 1000
AMPLIFIERS = ("repeat", "lpad", "rpad", "space")


def call_refusal(node: exp.Func, read: str | None, functions: frozenset[str] | None) -> str | None:
    """Why this call is not allowed, or None (`functions` None: no allow-list applies)."""
    if isinstance(node, SYNTAX_NODES):
        return None
    if isinstance(node, exp.Anonymous):
        name = node.name
    else:
        call = _CALL.match(node.sql(dialect=read, comments=False))
        if call is None:  # rendered as keyword syntax or an operator, not a call by name
            return None
        name = call.group(1)
    if isinstance(node.parent, exp.Dot) and node.parent.expression is node:
        schema = node.parent.this.sql(dialect=read).strip('"`').lower()
        if schema != "pg_catalog":
            return f"schema-qualified function {schema}.{name}() is not allowed: call built-in functions only"
    if functions is not None and name.lower() not in functions:
        return (
            f"function {name}() is not allowed here: only built-in functions without side effects "
            "(aggregates, window, date, string, math) can be used"
        )
    if name.lower() in ("printf", "format") and read == "sqlite":
        return _printf_refusal(node)
    if name.lower() in AMPLIFIERS:
        return _amplifier_refusal(node, name)
    return None


def _amplifier_refusal(node: exp.Func, name: str) -> str | None:
    """The length argument must be a literal number up to MAX_PRINTF_WIDTH."""
    if isinstance(node, exp.Repeat):
        length = node.args.get("times")
    elif isinstance(node, exp.Pad):
        length = node.args.get("expression")
    else:
        args = node.expressions
        length = args[0] if name.lower() == "space" else (args[1] if len(args) > 1 else None)
    if not (isinstance(length, exp.Literal) and length.is_number and float(length.this) <= MAX_PRINTF_WIDTH):
        return (
            f"{name}() lengths must be literal numbers up to {MAX_PRINTF_WIDTH} (it builds one value of "
            "that size per row)"
        )
    return None


def _printf_refusal(node: exp.Func) -> str | None:
    """printf widths multiply the work of one call (`printf('%.*c', 900000000, 'x')`): literal and small."""
    args = node.expressions if isinstance(node, exp.Anonymous) else [node.this]
    fmt = args[0] if args else None
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        return "printf() needs a literal format string, e.g. printf('%.2f', x)"
    for width, precision in _PRINTF_SPEC.findall(fmt.this):
        for part in (width, precision):
            if part == "*" or (part and int(part) > MAX_PRINTF_WIDTH):
                return f"printf() widths must be literal numbers up to {MAX_PRINTF_WIDTH}: use round() or substr()"
    return None
