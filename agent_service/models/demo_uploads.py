"""The offline demo model over the files a user attached: "how many rows are in sales.csv?", "top 5 by
amount", "what is in sales.csv?", answered from the uploaded table (contract/uploads.py) with the same
tools as any question: list_tables (which lists the session's uploaded tables with their file names and
columns), then run_query over `upload_<name>`, then an answer built from the rows.

Which questions: one that names an uploaded file ("sales.csv") or table ("upload_sales"), or says "the
file" / "my csv" / "the attached table", or has a shape only a file answers ("how many rows", "top 5 by
amount": no noun between the number and "by", so "top 5 customers by revenue" stays a question about
the sample shop). They come before the shop's parser, which would read "sales" in "sales.csv" as revenue.
The file used is the one the question names, else the newest upload of the conversation. The SQL is
plain enough for DuckDB as written (identifiers double-quoted), so it is not transpiled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent_service.models.demo_answers import Reply, markdown_table, parse_tool_output
from agent_service.models.demo_words import MAX_TOP, NUMBERS

_NAMED_FILE = re.compile(r"(?<![\w.-])([\w-]+(?:\.[\w-]+)*\.(?:csv|parquet))\b")
_NAMED_TABLE = re.compile(r"\b(upload_\w+)\b")
_ANY_FILE = re.compile(
    r"\b(?:the|my|this|that|our)\s+(?:uploaded\s+|attached\s+|own\s+)?(?:file|csv|parquet|spreadsheet|dataset)\b"
    r"|\b(?:uploaded|attached)\s+(?:file|csv|table|data)\b"
)
_COUNT = re.compile(
    r"\b(?:how many|number of|count(?: of)?(?: the)?)\s+(?:rows|records|lines|entries)\b|\brow count\b"
)
_NUMBER = "|".join(NUMBERS)
_TOP = re.compile(
    rf"\b(top|bottom|first|highest|lowest|largest|smallest)\s+(\d+|{_NUMBER})?\s*(?:rows?|records?|entries|lines)?"
    r"\s*(?:by|in terms of|sorted by|ordered by|on)\s+(?:the\s+)?(?:column\s+)?[\"'`“]?([\w][\w ]*?)[\"'`”]?"
    r"\s*(?:$|\b(?:in|of|from|for)\b)"
)
NO_UPLOAD = (
    "There is no uploaded file in this conversation. Attach a CSV or Parquet file to a message (the paperclip "
    "in the composer) and ask about it, e.g. “how many rows are in sales.csv?” or “top 5 by amount”."
)


@dataclass(frozen=True)
class UploadAsk:
    kind: str  # count | top | about
    named: str = ""
    """The file or table the question names ("" = the newest upload)."""
    n: int = 5
    column: str = ""
    low: bool = False


def upload_ask(question: str) -> UploadAsk | None:
    """What a question asks of an uploaded file, or None for a question that is not about one."""
    q = " ".join(question.lower().replace("’", "'").split()).rstrip("?!. ")
    found = _NAMED_FILE.search(q) or _NAMED_TABLE.search(q)
    named = found.group(1) if found else ""
    if _COUNT.search(q):
        return UploadAsk("count", named)
    top = _TOP.search(_NAMED_FILE.sub(" ", q))
    if top:
        count = top.group(2) or "5"
        n = min(int(count) if count.isdigit() else NUMBERS[count], MAX_TOP)
        low = top.group(1) in ("bottom", "lowest", "smallest")
        return UploadAsk("top", named, n, top.group(3).strip(), low)
    if named or _ANY_FILE.search(q):
        return UploadAsk("about", named)
    return None


def upload_reply(ask: UploadAsk, outputs: dict[str, str]) -> Reply:
    """The next step for `ask` given the tool outputs of this turn so far."""
    if "list_tables" not in outputs:
        return Reply(tool="list_tables", arguments={})
    listing = parse_tool_output(outputs["list_tables"]) or {}
    uploads = [t for t in listing.get("tables", []) if isinstance(t, dict) and t.get("upload")]
    if not uploads:
        return Reply(NO_UPLOAD)
    table = _pick(ask.named, uploads)
    if table is None:
        files = ", ".join(_filename(t) for t in uploads)
        return Reply(f"This conversation has no uploaded file called “{ask.named}”; it has: {files}.")
    name, filename = table["name"], _filename(table)
    if table.get("error"):
        return Reply(f"I could not read **{filename}** as a table: {table['error']}.")
    columns = [str(c) for c in table.get("columns", [])]
    if ask.kind == "about":
        return Reply(
            f"**{filename}** is the table `{name}` in this conversation: {table.get('row_count', 0):,} rows, "
            f"columns {', '.join(f'`{c}`' for c in columns)}. Ask e.g. “how many rows are in {filename}?” or "
            f"“top 5 by {columns[-1] if columns else 'a column'}”."
        )
    if ask.kind == "count":
        sql = f"SELECT COUNT(*) AS row_count FROM {name}"
    else:
        column = _column(ask.column, columns)
        if column is None:
            return Reply(
                f"**{filename}** has no column “{ask.column}”; its columns are "
                f"{', '.join(f'`{c}`' for c in columns)}."
            )
        order = "ASC" if ask.low else "DESC"
        sql = f'SELECT * FROM {name} ORDER BY "{column}" {order} LIMIT {ask.n}'
    if "run_query" not in outputs:
        return Reply(tool="run_query", arguments={"sql": sql})
    output = parse_tool_output(outputs["run_query"])
    if output is None:
        message = outputs["run_query"].removeprefix("Error executing tool run_query: ")
        return Reply(f"I tried to query **{filename}**, but the query failed:\n\n> {message}")
    return Reply(_answer(ask, filename, name, output))


def _answer(ask: UploadAsk, filename: str, name: str, output: dict[str, Any]) -> str:
    rows = output.get("rows", [])
    if ask.kind == "count":
        value = rows[0][0] if rows and rows[0] else 0
        return f"**{filename}** (the table `{name}`) has **{value:,}** row{'s' if value != 1 else ''}."
    if not rows:
        return f"**{filename}** has no rows."
    which = "Bottom" if ask.low else "Top"
    return (
        f"{which} {len(rows)} rows of **{filename}** by {ask.column}:\n\n"
        f"{markdown_table(output.get('columns', []), rows)}"
    )


def _filename(table: dict[str, Any]) -> str:
    return str((table.get("upload") or {}).get("filename") or table.get("name"))


def _pick(named: str, uploads: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not named:
        return uploads[-1]  # the newest
    return next((t for t in uploads if named in (str(t.get("name")).lower(), _filename(t).lower())), None)


def _column(asked: str, columns: list[str]) -> str | None:
    wanted = {asked.lower(), asked.lower().replace(" ", "_")}
    return next((c for c in columns if c.lower() in wanted), None)
