"""One session's uploaded tables (contract/uploads.py) as a read-only DuckDB database, queried under the
same guard as the main database.

Why DuckDB: its CSV reader detects the delimiter, header and column types by itself (a hand-written
loader would guess them worse), it reads Parquet with no extension, and it runs analytical SQL over a
few megabytes in milliseconds in this process, with no server to run. Why a database file per session
and not one shared in-memory database: the session's tables are the only tables that file has, so
no query of one session can name another's (isolation by construction, not by a name filter), and the
file can be opened read-only.

Layers, as for the main database (query.py), each enough on its own against what it is named for:
1. The statement check (statement.py, in DuckDB's dialect): one SELECT/WITH/EXPLAIN, the SQL sent is
   generated from the checked tree, every function must be on DUCKDB_FUNCTIONS (functions.py: no table
   function at all, so no read_csv/read_parquet/glob/duckdb_settings), and here: every table the query
   reads must be one of the session's uploaded tables or a CTE of the query, unqualified (`FROM
   'file.csv'`, a replacement scan of a file name, is a table that is not one of them).
2. The engine: the file is opened `read_only` with `enable_external_access = false` (no file, network
   or extension access, so COPY/ATTACH/INSTALL and a file read that slipped through fail inside DuckDB),
   `python_enable_replacements = false` (no scan of this process's Python variables) and
   `lock_configuration = true` (no SET can undo any of it), one thread and MEMORY_LIMIT.
3. The caps: the client-side deadline (deadline.py) interrupts the cursor; rows are fetched against
   QUERY_MAX_ROWS and QUERY_MAX_BYTES (results.py).
The files are loaded by a separate writable connection before the read-only one opens; that is the only
connection with file access, and it reads only the files this module wrote from Redis.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from agent_service.tools.analytics.deadline import Deadline
from agent_service.tools.analytics.functions import DUCKDB_FUNCTIONS
from agent_service.tools.analytics.results import QueryError, QueryResult, collect
from agent_service.tools.analytics.statement import StatementError, check_read_only_statement
from contract.parts import size_text
from contract.uploads import UploadRecord

MEMORY_LIMIT = "256MB"
MAX_SAMPLE_VALUES = 8
MAX_SAMPLE_ROWS = 20
_READ_ONLY = {
    "enable_external_access": False,
    "python_enable_replacements": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "threads": 1,
    "memory_limit": MEMORY_LIMIT,
    "lock_configuration": True,
}
_LOADER = {"autoinstall_known_extensions": False, "autoload_known_extensions": False, "threads": 1}
_READERS = {"csv": "read_csv", "parquet": "read_parquet"}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class UploadDatabase:
    """The uploaded tables of one session, read-only (module docstring)."""

    dialect = "duckdb"

    def __init__(
        self,
        path: Path,
        records: list[UploadRecord],
        errors: dict[str, str],
        *,
        max_rows: int,
        timeout_s: float,
        max_bytes: int,
    ) -> None:
        self.path = path
        self.records = {r.table: r for r in records}
        self.errors = errors
        """table → why its file could not be read as a table (said in list_tables and on use)."""
        self.signature = tuple((r.table, r.sha256) for r in records)
        self.max_rows, self.timeout_s, self.max_bytes = max_rows, timeout_s, max_bytes
        self.con = duckdb.connect(str(path), read_only=True, config=dict(_READ_ONLY))

    @classmethod
    def build(
        cls,
        directory: Path,
        records: list[UploadRecord],
        files: dict[str, str],
        max_file_bytes: int,
        **limits,
    ) -> UploadDatabase:
        """Load each record's file (base64 in `files`) into a new database file in `directory`."""
        path = directory / f"{uuid.uuid4().hex}.duckdb"
        errors: dict[str, str] = {}
        writer = duckdb.connect(str(path), config=dict(_LOADER))
        try:
            for record in records:
                problem = _load(writer, directory, record, files.get(record.table), max_file_bytes)
                if problem:
                    errors[record.table] = problem
        finally:
            writer.close()
        return cls(path, records, errors, **limits)

    def close(self) -> None:
        """Forget the file (a query still running on it finishes: the connection closes with its last
        cursor)."""
        self.path.unlink(missing_ok=True)
        Path(f"{self.path}.wal").unlink(missing_ok=True)

    # -- what the tools ask ------------------------------------------------------------------------

    def has(self, table: str) -> bool:
        return str(table).lower() in self.records

    def reads(self, sql: str) -> bool:
        """Whether `sql` names one of these tables (so it runs here, not on the main database)."""
        try:
            trees = sqlglot.parse(sql, read="duckdb")
        except (ParseError, TokenError):
            return False
        return any(t.name.lower() in self.records for tree in trees if tree for t in tree.find_all(exp.Table))

    def tables(self) -> list[dict[str, Any]]:
        """list_tables entries, oldest upload first."""
        out = []
        for record in sorted(self.records.values(), key=lambda r: r.uploaded_at):
            entry: dict[str, Any] = {
                "name": record.table,
                "comment": f"the file {record.filename} ({record.media_type}, {size_text(record.size)}) the "
                "user attached in this conversation; DuckDB SQL; it cannot be joined with the other tables",
                "upload": {"filename": record.filename, "format": record.format, "dialect": self.dialect},
            }
            if record.table in self.errors:
                entry["error"] = self.errors[record.table]
            else:
                entry["row_count"] = self._count(record.table)
                entry["columns"] = [c[0] for c in self._columns(record.table)]
            out.append(entry)
        return out

    def describe(self, table: str) -> dict[str, Any]:
        name = self._usable(table)
        columns = []
        for column, kind, nullable in self._columns(name):
            described: dict[str, Any] = {
                "name": column,
                "type": kind,
                "nullable": nullable,
                "primary_key": False,
            }
            if kind == "VARCHAR":
                values = self._run(
                    f"SELECT DISTINCT {quote(column)} FROM {quote(name)} WHERE {quote(column)} IS NOT NULL "
                    f"ORDER BY 1 LIMIT {MAX_SAMPLE_VALUES + 1}"
                ).rows
                if len(values) <= MAX_SAMPLE_VALUES:
                    described["values"] = [v[0] for v in values]
            columns.append(described)
        return {"table": name, "row_count": self._count(name), "columns": columns, "foreign_keys": []}

    def sample_rows(self, table: str, limit: int = 5) -> dict[str, Any]:
        name = self._usable(table)
        limit = max(1, min(int(limit), MAX_SAMPLE_ROWS))
        return {"table": name, **self._run(f"SELECT * FROM {quote(name)} LIMIT {limit}").to_dict()}

    def query(self, sql: str) -> QueryResult:
        return self._run(self.checked(sql))

    def validate(self, sql: str) -> str:
        """The SQL `query` would run, after EXPLAIN accepted it; QueryError otherwise."""
        checked = self.checked(sql)
        self._run(checked if checked.upper().startswith("EXPLAIN") else f"EXPLAIN {checked}")
        return checked

    def checked(self, sql: str) -> str:
        """The statement check, then: only this session's tables (and the query's CTEs) are read."""
        try:
            generated = check_read_only_statement(sql, self.dialect, DUCKDB_FUNCTIONS)
        except StatementError as exc:
            raise QueryError(str(exc)) from exc
        tree = sqlglot.parse_one(generated.removeprefix("EXPLAIN "), read="duckdb")
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            name = table.name.lower()
            if isinstance(table.this, exp.Identifier) and not table.db and not table.catalog and name in ctes:
                continue
            if (
                not isinstance(table.this, exp.Identifier)
                or table.db
                or table.catalog
                or name not in self.records
            ):
                raise QueryError(
                    f"{table.sql(dialect='duckdb')} is not an uploaded table of this conversation: a query "
                    f"over uploaded files reads only {', '.join(self.records)} (they cannot be joined with "
                    "the database's tables; query those separately)"
                )
            if name in self.errors:
                raise QueryError(f"{name} could not be loaded: {self.errors[name]}")
        return generated

    # -- running -----------------------------------------------------------------------------------

    def _usable(self, table: str) -> str:
        name = str(table).lower()
        if name not in self.records:
            raise QueryError(f"no such uploaded table: {table}. Uploaded tables: {', '.join(self.records)}")
        if name in self.errors:
            raise QueryError(f"{name} could not be loaded: {self.errors[name]}")
        return name

    def _count(self, table: str) -> int:
        return int(self._run(f"SELECT COUNT(*) FROM {quote(table)}").rows[0][0])

    def _columns(self, table: str) -> list[tuple[str, str, bool]]:
        rows = self._run(f"DESCRIBE {quote(table)}").rows
        return [(r[0], str(r[1]), r[2] == "YES") for r in rows]

    def _run(self, sql: str) -> QueryResult:
        cursor = self.con.cursor()
        deadline = Deadline(self.timeout_s, cursor.interrupt)
        try:
            with deadline:
                cursor.execute(sql)
                columns = [d[0] for d in cursor.description] if cursor.description else []
                rows, truncated = collect(
                    columns,
                    cursor.fetchmany,
                    max_rows=self.max_rows,
                    max_bytes=self.max_bytes,
                    expired=lambda: deadline.expired,
                )
        except QueryError:
            raise
        except duckdb.Error as exc:
            if deadline.fired or isinstance(exc, duckdb.InterruptException):
                raise QueryError(
                    f"the query took longer than {self.timeout_s:g} s and was stopped; aggregate or use LIMIT"
                ) from exc
            reason = _first_line(exc)
            if isinstance(exc, duckdb.CatalogException) and "Table" in reason:
                reason += f". Uploaded tables: {', '.join(self.records)}"
            raise QueryError(reason) from exc
        finally:
            cursor.close()
        return QueryResult(columns=columns, rows=[list(r) for r in rows], truncated=truncated, sql=sql)


def _load(writer, directory: Path, record: UploadRecord, data: str | None, max_bytes: int) -> str | None:
    """Load one file as its table; the reason it could not be, or None."""
    if data is None:
        return f"the file {record.filename} is no longer stored"
    if record.size > max_bytes:
        return (
            f"the file {record.filename} is {size_text(record.size)}, over the {size_text(max_bytes)} limit"
        )
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return f"the file {record.filename} is not valid base64"
    source = directory / f"{uuid.uuid4().hex}.{record.format}"
    source.write_bytes(content)
    try:
        reader = _READERS[record.format]
        writer.execute(
            f"CREATE OR REPLACE TABLE {quote(record.table)} AS SELECT * FROM {reader}(?)", [str(source)]
        )
    except duckdb.Error as exc:
        return f"{record.filename} could not be read as {record.format.upper()}: {_first_line(exc)}"
    finally:
        source.unlink(missing_ok=True)
    return None
