"""The cheap statement check in front of the read-only executor: one statement, starting with a read keyword.

This is defence in depth, not the guard. Prefix and keyword filters are bypassed routinely (writable CTEs
`WITH x AS (DELETE ...)`, `SELECT ... INTO`, functions with side effects, stacked statements), so the real
guarantee comes from the database itself (see query.py: read-only SQLite URI + `PRAGMA query_only`,
PostgreSQL session-wide read-only + the extended protocol, and every transaction rolled back). What this
check adds is a fast, clear error message the model can act on before a round trip, and a refusal of
stacked statements (`SELECT 1; DROP TABLE x`) on drivers that would otherwise run them all (the archived MCP
postgres server was bypassed exactly that way with `COMMIT; DROP ...`).

The scanner blanks out string literals, quoted identifiers and comments so a `;` or keyword inside them does
not count. It must never see a literal or comment end somewhere else than the database does, or a `;` slips
through (`SELECT E'\\''; COMMIT; DROP TABLE orders; SELECT E'\\''` looks like one string to a scanner that
does not know backslash escapes). Where dialects disagree, it refuses instead of guessing:
- a backslash inside a quoted string or identifier (PostgreSQL E'...' / U&'...' and MySQL strings treat it as
  an escape, standard SQL does not; analytics SQL rarely needs one),
- dollar-quoted strings (`$$...$$`, `$tag$...$tag$`, PostgreSQL),
- a `/*` inside a block comment (PostgreSQL nests block comments, MySQL/SQLite do not) and MySQL
  executable comments `/*! ... */` (MySQL runs their content),
- unterminated strings and comments.
Dialect-specific syntax is parsed per `dialect`: `#` line comments and `--` only before whitespace on
MySQL/MariaDB, `[identifier]` only on SQLite and SQL Server (on PostgreSQL `[` is an array subscript).
"""

from __future__ import annotations

import re

READ_KEYWORDS = ("SELECT", "WITH", "EXPLAIN")
_BRACKET_IDENTIFIER_DIALECTS = ("sqlite", "mssql")
_MYSQL_DIALECTS = ("mysql", "mariadb")
_DOLLAR_QUOTE = re.compile(r"\$(?:[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$")
_IDENTIFIER_CHAR = re.compile(r"[A-Za-z0-9_$\x80-\U0010ffff]")


class StatementError(ValueError):
    """The SQL is not a single read-only statement; the message says what to change."""


def check_read_only_statement(sql: str, dialect: str | None = None) -> str:
    """Return `sql` without trailing semicolons/whitespace, or raise StatementError.

    `dialect` is the SQLAlchemy dialect name ("sqlite", "postgresql", "mysql", ...); None uses the generic
    rules (no `#` comments, no `[identifier]`).
    """
    if not sql or not sql.strip():
        raise StatementError("empty SQL: send one SELECT statement")
    code = _blank_literals_and_comments(sql, dialect)
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


def _blank_literals_and_comments(sql: str, dialect: str | None = None) -> str:
    """Same length as `sql`, with quoted text and comments replaced by spaces; raises StatementError on
    constructs whose extent depends on the dialect (see the module docstring)."""
    mysql = dialect in _MYSQL_DIALECTS
    quotes = "'\"`[" if dialect in _BRACKET_IDENTIFIER_DIALECTS else "'\"`"
    out = list(sql)
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if (ch == "-" and sql.startswith("--", i) and (not mysql or i + 2 == n or sql[i + 2].isspace())) or (
            ch == "#" and mysql
        ):
            end = sql.find("\n", i)
            end = n if end < 0 else end
        elif ch == "/" and sql.startswith("/*", i):
            if sql.startswith("/*!", i):
                raise StatementError(
                    "MySQL executable comments (/*! ... */) are not allowed: remove the comment"
                )
            end = sql.find("*/", i + 2)
            if end < 0:
                raise StatementError("unterminated /* comment: close it with */ or remove it")
            if "/*" in sql[i + 2 : end]:
                raise StatementError("nested /* comments are not allowed: remove the inner /*")
            end += 2
        elif (
            ch == "$"
            and (m := _DOLLAR_QUOTE.match(sql, i))
            and not (i and _IDENTIFIER_CHAR.match(sql[i - 1]))
        ):
            raise StatementError(
                f"dollar-quoted strings ({m.group(0)}...{m.group(0)}) are not supported: "
                "use a standard string literal in single quotes ('it''s' for a quote inside)"
            )
        elif ch in quotes:
            close = "]" if ch == "[" else ch
            end = i + 1
            while True:
                if end >= n:
                    raise StatementError(
                        f"unterminated quoted text starting with {ch}: close it with {close}"
                    )
                if sql[end] == "\\":
                    raise StatementError(
                        "backslashes inside quoted strings or identifiers are not allowed (E'...' escapes and "
                        "MySQL backslash escapes are ambiguous between databases): write the text without a "
                        "backslash; for a quote inside a string double it ('it''s')"
                    )
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
