"""The cheap statement check in front of the read-only executor: one statement, starting with a read keyword.

This is defence in depth, not the guard. Prefix and keyword filters are bypassed routinely (writable CTEs
`WITH x AS (DELETE ...)`, `SELECT ... INTO`, functions with side effects, stacked statements), so the real
guarantee comes from the database itself (see query.py: read-only SQLite URI + `PRAGMA query_only`,
PostgreSQL `SET TRANSACTION READ ONLY`, and every transaction rolled back). What this check adds is a fast,
clear error message the model can act on before a round trip, and a refusal of stacked statements
(`SELECT 1; DROP TABLE x`) on drivers that would otherwise run them all (the archived MCP postgres
server was bypassed exactly that way with `COMMIT; DROP ...`).

The scanner blanks out string literals, quoted identifiers and comments so a `;` or keyword inside them does
not count. A real SQL parser (sqlglot/pglast) would be more precise, but it is not needed for a guard whose
failure mode is "the database refuses instead".
"""

from __future__ import annotations

import re

READ_KEYWORDS = ("SELECT", "WITH", "EXPLAIN")


class StatementError(ValueError):
    """The SQL is not a single read-only statement; the message says what to change."""


def check_read_only_statement(sql: str) -> str:
    """Return `sql` without trailing semicolons/whitespace, or raise StatementError."""
    if not sql or not sql.strip():
        raise StatementError("empty SQL: send one SELECT statement")
    code = _blank_literals_and_comments(sql)
    body = code.rstrip().rstrip(";").rstrip()
    if not body.strip():
        raise StatementError("the SQL contains only comments: send one SELECT statement")
    if ";" in body:
        raise StatementError(
            "only one statement per call is allowed: remove the ';' between statements and run them one by one"
        )
    first = re.match(r"\s*\(*\s*([A-Za-z]+)", body)
    keyword = first.group(1).upper() if first else ""
    if keyword not in READ_KEYWORDS:
        raise StatementError(
            f"only read-only queries are allowed (statements starting with {', '.join(READ_KEYWORDS)}); "
            f"got {keyword or 'something else'}. This database is read-only."
        )
    return sql[: len(body)]


def _blank_literals_and_comments(sql: str) -> str:
    """Same length as `sql`, with quoted text and comments replaced by spaces."""
    out = list(sql)
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
        elif ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
        elif ch in "'\"`[":
            close = "]" if ch == "[" else ch
            end = i + 1
            while end < n:
                if sql[end] == close:
                    if close != "]" and end + 1 < n and sql[end + 1] == close:  # doubled quote escape
                        end += 2
                        continue
                    end += 1
                    break
                end += 1
        else:
            i += 1
            continue
        for j in range(i, end):
            out[j] = " " if sql[j] != "\n" else "\n"
        i = end
    return "".join(out)
