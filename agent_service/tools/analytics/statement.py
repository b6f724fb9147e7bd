"""The statement check in front of the read-only executor: sqlglot parses the SQL in the database's dialect,
the syntax tree is checked, and the SQL sent to the database is generated from that tree.

Why generate instead of passing the text on: every bypass of a text scanner is a place where the scanner and
the database read the same characters differently (a `--` comment ended at `\\r`, backslash escapes, dollar
quotes, nested comments, MariaDB's executable `/*M! ... */` and `/*! ... */` comments). Sending the SQL that
sqlglot generates from the checked tree removes the question: the database runs exactly one statement,
without comments, with literals quoted the way the connection is configured to read them (query.py pins
`standard_conforming_strings` on PostgreSQL and an `sql_mode` without `NO_BACKSLASH_ESCAPES`/`ANSI_QUOTES` on
MariaDB). The generated SQL is parsed and checked once more before it is used.

What is accepted: exactly one SELECT, WITH … SELECT, set operation (UNION/INTERSECT/EXCEPT) or EXPLAIN of
one of those (without ANALYZE, which runs the statement). Refused anywhere in the tree: data-changing or
schema statements (writable CTEs `WITH d AS (DELETE …)`), `SELECT … INTO` (a new table, a file with
`INTO OUTFILE/DUMPFILE`, or user variables), locking clauses (`FOR UPDATE/SHARE`, `LOCK IN SHARE MODE`),
user-variable assignment (`@x := 1`), bind placeholders, executable comments, and any call calls.py
refuses (not on the database's allow-list in functions.py, schema-qualified, or building a huge value). Statements sqlglot cannot parse into a tree (SET, SET STATEMENT,
CALL, DO, COPY, LOAD DATA, SHOW, ...) are refused by their first word before parsing.
Every refusal is a StatementError whose message says what to change.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from agent_service.tools.analytics.calls import call_refusal

SQLGLOT_DIALECTS = {
    "sqlite": "sqlite",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "duckdb": "duckdb",  # a session's uploaded tables (uploaddb.py)
}
EXPLAIN_OPTIONS = {
    # PostgreSQL EXPLAIN (option [value], ...) / EXPLAIN VERBOSE; ANALYZE runs the statement
    "postgres": {"VERBOSE", "COSTS", "SETTINGS", "SUMMARY", "FORMAT", "GENERIC_PLAN"},
    "mysql": {"EXTENDED", "PARTITIONS", "FORMAT"},
    "mariadb": {"EXTENDED", "PARTITIONS", "FORMAT"},
    "sqlite": {"QUERY", "PLAN"},
    "duckdb": set(),
}
EXPLAIN_VALUES = {
    "TEXT",
    "JSON",
    "YAML",
    "XML",
    "TRADITIONAL",
    "TREE",
    "TRUE",
    "FALSE",
    "ON",
    "OFF",
    "0",
    "1",
}
REFUSED_NODES: dict[type, str] = {
    exp.Insert: "INSERT",
    exp.Update: "UPDATE",
    exp.Delete: "DELETE",
    exp.Merge: "MERGE",
    exp.Copy: "COPY",
    exp.Create: "CREATE",
    exp.Drop: "DROP",
    exp.Alter: "ALTER",
    exp.Command: "a command",
    exp.Set: "SET",
    exp.Transaction: "a transaction statement",
    exp.Commit: "COMMIT",
    exp.Rollback: "ROLLBACK",
    exp.Pragma: "PRAGMA",
    exp.LoadData: "LOAD DATA",
    exp.Describe: "DESCRIBE",
}


class MariaDB(MySQL):
    """sqlglot's MySQL dialect as MariaDB speaks it: MariaDB has no REGEXP_LIKE(), so `x REGEXP y` stays."""

    class Generator(MySQL.Generator):
        TRANSFORMS = {
            **MySQL.Generator.TRANSFORMS,
            exp.RegexpLike: lambda self, e: self.binary(e, "REGEXP"),
        }


class StatementError(ValueError):
    """The SQL is not a single read-only statement; the message says what to change."""


def check_read_only_statement(
    sql: str, dialect: str | None = None, functions: frozenset[str] | None = None
) -> str:
    """The SQL to send to the database for `sql`, or StatementError.

    `dialect` is the SQLAlchemy dialect name ("sqlite", "postgresql", "mysql", "mariadb"; None = sqlglot's
    generic SQL); `functions` the allowed function names (lower case; None = no function check).
    """
    if not sql or not sql.strip():
        raise StatementError("empty SQL: send one SELECT statement")
    read = SQLGLOT_DIALECTS.get(dialect or "", None)
    text = sql.replace("\r\n", "\n").replace("\r", "\n")
    tokens = _tokens(text, read)
    if not tokens:
        raise StatementError("the SQL contains only comments: send one SELECT statement")
    _refuse_executable_comments(tokens)
    first = tokens[0].text.upper()
    if first == "EXPLAIN" or tokens[0].token_type == TokenType.DESCRIBE:
        return _explain(text, tokens, read, functions)
    if first not in ("SELECT", "WITH", "("):
        raise StatementError(
            f"only read-only queries are allowed (SELECT, WITH … SELECT, EXPLAIN); got {first}. "
            "This database is read-only: send one SELECT statement."
        )
    return _checked_select(text, read, functions)


def _checked_select(text: str, read: str | None, functions: frozenset[str] | None) -> str:
    tree = _parse_one(text, read)
    _check_tree(tree, read, functions)
    generated = tree.sql(dialect=read, comments=False)
    _check_tree(_parse_one(generated, read), read, functions)  # what is sent is checked too
    return generated


def _explain(text: str, tokens: list, read: str | None, functions: frozenset[str] | None) -> str:
    if tokens[0].text.upper() != "EXPLAIN":
        raise StatementError("DESCRIBE is not supported here: use describe_table(table) or EXPLAIN SELECT …")
    # sqlglot reads the rest of an EXPLAIN as one command string: tokenize the rest on its own
    rest = text[tokens[0].end + 1 :]
    rest_tokens = _tokens(rest, read)
    allowed = EXPLAIN_OPTIONS.get(read or "", set())
    words: list[str] = []
    i = 0
    while i < len(rest_tokens) and rest_tokens[i].text.upper() not in ("SELECT", "WITH"):
        word = rest_tokens[i].text.upper()
        if word == "ANALYZE":
            raise StatementError(
                "EXPLAIN ANALYZE runs the statement and is not allowed: use EXPLAIN without ANALYZE"
            )
        if word not in allowed | EXPLAIN_VALUES | {"(", ")", ",", "="}:
            raise StatementError(
                f"EXPLAIN option {rest_tokens[i].text} is not allowed: use EXPLAIN SELECT … "
                f"(options: {', '.join(sorted(allowed)) or 'none'})"
            )
        words.append(word)
        i += 1
    if i == len(rest_tokens) or words.count("(") != words.count(")"):
        raise StatementError("EXPLAIN needs a SELECT statement after it: EXPLAIN SELECT …")
    inner = _checked_select(rest[rest_tokens[i].start :], read, functions)
    options = " ".join(words).replace("( ", "(").replace(" )", ")").replace(" ,", ",").replace(" = ", "=")
    return f"EXPLAIN {options} {inner}" if options else f"EXPLAIN {inner}"


def _tokens(text: str, read: str | None) -> list:
    try:
        return sqlglot.tokenize(text, read=read)
    except (TokenError, ParseError) as exc:
        raise StatementError(
            f"the SQL could not be read: {_first_line(exc)}. Check quotes and comments."
        ) from exc


def _parse_one(text: str, read: str | None) -> exp.Expression:
    try:
        trees = [
            t for t in sqlglot.parse(text, read=read) if t is not None and not isinstance(t, exp.Semicolon)
        ]
    except (ParseError, TokenError) as exc:
        words = {w.upper() for w in re.findall(r"[A-Za-z_]+", text)}
        if words & {"OUTFILE", "DUMPFILE"}:
            raise StatementError("SELECT … INTO OUTFILE/DUMPFILE writes files and is not allowed") from exc
        raise StatementError(
            f"the SQL could not be parsed: {_first_line(exc)}. Send one SELECT statement in this "
            "database's dialect."
        ) from exc
    if not trees:
        raise StatementError("the SQL contains no statement: send one SELECT statement")
    if len(trees) > 1:
        raise StatementError(
            "only one statement per call is allowed: remove the ';' between statements and run them one by one"
        )
    return trees[0]


def _check_tree(tree: exp.Expression, read: str | None, functions: frozenset[str] | None) -> None:
    if not isinstance(tree, exp.Query):
        kind = next((name for k, name in REFUSED_NODES.items() if isinstance(tree, k)), type(tree).__name__)
        raise StatementError(
            f"{kind} is not allowed: only SELECT queries are (this database is read-only); send one SELECT"
        )
    for node in tree.walk():
        refused = next((name for kind, name in REFUSED_NODES.items() if isinstance(node, kind)), None)
        if refused:
            raise StatementError(
                f"{refused} is not allowed inside a query (this database is read-only): send only SELECT"
            )
        if isinstance(node, exp.Into):
            raise StatementError(
                "SELECT … INTO is not allowed (it creates a table, writes a file or sets variables): "
                "remove the INTO clause"
            )
        if isinstance(node, exp.Lock):
            raise StatementError(
                "locking clauses (FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE) are not allowed"
            )
        if isinstance(node, exp.PropertyEQ) and read in ("mysql", "mariadb"):
            raise StatementError("assigning user variables (@x := …) is not allowed: use a subquery or CTE")
        if isinstance(node, exp.Placeholder | exp.Parameter) and not _is_session_variable(node):
            raise StatementError(
                "bind parameters and user variables ($1, ?, :name, @x) are not supported: write the values inline"
            )
        if isinstance(node, exp.Func) and (refusal := call_refusal(node, read, functions)):
            raise StatementError(refusal)


def _is_session_variable(node: exp.Expression) -> bool:
    return isinstance(node, exp.Parameter) and isinstance(node.parent, exp.SessionParameter)


def _refuse_executable_comments(tokens: list) -> None:
    for token in tokens:
        for comment in token.comments:
            if comment.startswith(("!", "M!")):
                raise StatementError(
                    "MySQL/MariaDB executable comments (/*! … */, /*M! … */) are not allowed: remove the comment"
                )


def _first_line(exc: Exception) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__
