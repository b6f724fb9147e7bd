"""Files a user attaches that become tables: which files, the table's name, and the record of one in Redis.

A CSV or Parquet file attached to a message (a `FilePart`, contract/parts.py) becomes a table the
analytics tools can query for that session only: the worker that runs the turn stores it under the
session's keys (`keys.session_uploads` holds an `UploadRecord` per table, `keys.session_upload_data`
the file itself, base64), and the analytics server, told the session of each call, loads the session's
files into a read-only DuckDB database of its own (agent_service/tools/analytics/uploads.py).

Why Redis and not the worker's disk: the next turn of the session may run on another worker, and the
server of that worker must find the file; the session's keys live in the session's slot and expire with
it (the gateway refreshes their TTL with the session's on every message; deleting the session deletes
them). Why a record beside the data: the server checks on every call whether the session's tables
changed (HGETALL of the small records, compared by sha256) and reads the data only when they did.

What becomes a table: a file whose name ends in .csv or .parquet, or whose media type says CSV or
Parquet (TABLE_FORMATS). Excel is not read: DuckDB's Excel reader is an extension that would be
downloaded at run time, and the analytics server never reaches the network. A file larger than
UPLOAD_MAX_BYTES (SharedSettings: the gateway tells the UI, the worker enforces it) does not become a
table, and the model is told so; the same holds past UPLOAD_MAX_FILES tables in one session.
The table is `upload_<name>`, `<name>` the file name without its extension in lower-case letters,
digits and underscores (`Sales 2024.csv` → `upload_sales_2024`): attaching a file of the same name
again replaces its table.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

UPLOAD_TABLE_PREFIX = "upload_"
TABLE_NAME_MAX_CHARS = 48
TableFormat = Literal["csv", "parquet"]
TABLE_FORMATS: dict[str, TableFormat] = {
    ".csv": "csv",
    "text/csv": "csv",
    "application/csv": "csv",
    ".parquet": "parquet",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
}
"""File-name extensions and media types of the files that become tables."""


class UploadRecord(BaseModel):
    """One uploaded table of a session (the value of its field in keys.session_uploads)."""

    table: str
    filename: str
    media_type: str
    format: TableFormat
    size: int
    """Bytes of the file."""
    sha256: str
    """Of the file's base64 text: the server's cache key (a changed file is loaded again)."""
    uploaded_at: float
    task_id: str


def table_format(filename: str, media_type: str) -> TableFormat | None:
    """ "csv" or "parquet" for a file that becomes a table (by its extension first), else None."""
    dot = filename.rfind(".")
    extension = filename[dot:].lower() if dot > 0 else ""
    return TABLE_FORMATS.get(extension) or TABLE_FORMATS.get(media_type.lower())


def table_name(filename: str) -> str:
    """The table a file becomes: `upload_` + its name without the extension, as an identifier."""
    dot = filename.rfind(".")
    stem = filename[:dot] if dot > 0 else filename
    name = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")[:TABLE_NAME_MAX_CHARS].strip("_")
    return UPLOAD_TABLE_PREFIX + (name or "file")


__all__ = ["TABLE_FORMATS", "UPLOAD_TABLE_PREFIX", "UploadRecord", "table_format", "table_name"]
