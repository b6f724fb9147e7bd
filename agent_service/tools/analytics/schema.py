"""What the model learns about the database before it writes SQL: tables, columns, keys, sample values.

Why these and not only column names: the commonest wrong answers from text-to-SQL are a filter on a value
that does not exist (`status = 'paid'` when the column holds 'delivered'), a wrong join, or a question
answered from the wrong table. So `tables` gives each table's row count and comment, `describe` gives
each column's type, nullability, primary and foreign keys and, for text columns with few distinct values,
those values, and `sample_rows` shows a few real rows. Identifiers come from the model, so a table name is
used only after it was found among the database's tables, and then quoted by the dialect.
Row counts: exact COUNT(*) on SQLite; on PostgreSQL/MariaDB the catalog's estimate when it is above
EXACT_COUNT_LIMIT (COUNT(*) over a big table is a full scan), marked `row_count_estimated`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from agent_service.tools.analytics.query import QueryError, ReadOnlyDatabase

EXACT_COUNT_LIMIT = 1_000_000
MAX_SAMPLE_VALUES = 8
MAX_SAMPLE_ROWS = 20
_TEXT_TYPES = ("CHAR", "TEXT", "STRING", "ENUM", "BOOL")


class Schema:
    """Schema lookups over one ReadOnlyDatabase."""

    def __init__(self, db: ReadOnlyDatabase) -> None:
        self.db = db

    def tables(self) -> list[dict[str, Any]]:
        """Every table: name, row count, comment and column names."""
        try:
            insp = inspect(self.db.engine)
            estimates = self._estimates()
            out = []
            for name in self.db.table_names():
                count = estimates.get(name, -1)
                exact = count < 0 or count <= EXACT_COUNT_LIMIT
                entry: dict[str, Any] = {
                    "name": name,
                    "row_count": self._count(name) if exact else count,
                    "columns": [c["name"] for c in insp.get_columns(name)],
                }
                if not exact:
                    entry["row_count_estimated"] = True
                comment = _table_comment(insp, name)
                if comment:
                    entry["comment"] = comment
                out.append(entry)
            return out
        except SQLAlchemyError as exc:
            raise QueryError(f"cannot read the schema: {str(exc).splitlines()[0]}") from exc

    def describe(self, table: str) -> dict[str, Any]:
        """Columns (name, type, nullable, primary_key, comment, sample values), foreign keys, row count."""
        name = self._known(table)
        insp = inspect(self.db.engine)
        try:
            columns = insp.get_columns(name)
            pk = set(insp.get_pk_constraint(name).get("constrained_columns") or [])
            fks = insp.get_foreign_keys(name)
        except (NoSuchTableError, SQLAlchemyError) as exc:
            raise QueryError(f"cannot describe {table}: {str(exc).splitlines()[0]}") from exc
        samples = self._sample_values(name, [c["name"] for c in columns if _texty(c) and c["name"] not in pk])
        described = []
        for c in columns:
            col: dict[str, Any] = {
                "name": c["name"],
                "type": str(c["type"]),
                "nullable": bool(c.get("nullable", True)),
                "primary_key": c["name"] in pk,
            }
            if c.get("comment"):
                col["comment"] = c["comment"]
            if c["name"] in samples:
                col["values"] = samples[c["name"]]
            described.append(col)
        return {
            "table": name,
            "row_count": self._count(name),
            "columns": described,
            "foreign_keys": [
                {
                    "columns": fk["constrained_columns"],
                    "references": f"{fk['referred_table']}({', '.join(fk['referred_columns'])})",
                }
                for fk in fks
            ],
        }

    def sample_rows(self, table: str, limit: int = 5) -> dict[str, Any]:
        """A few rows of `table` (at most MAX_SAMPLE_ROWS)."""
        name = self._known(table)
        limit = max(1, min(int(limit), MAX_SAMPLE_ROWS))
        result = self.db.execute(f"SELECT * FROM {self._quote(name)} LIMIT {limit}")
        return {"table": name, **result.to_dict()}

    def _known(self, table: str) -> str:
        names = self.db.table_names()
        match = next((n for n in names if n == table), None) or next(
            (n for n in names if n.lower() == str(table).lower()), None
        )
        if match is None:
            raise QueryError(f"no such table: {table}. Available tables: {', '.join(names)}")
        return match

    def _quote(self, name: str) -> str:
        return self.db.engine.dialect.identifier_preparer.quote(name)

    def _count(self, name: str) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) AS n FROM {self._quote(name)}").rows[0][0])

    def _estimates(self) -> dict[str, int]:
        if self.db.dialect == "postgresql":
            sql = (
                "SELECT c.relname, c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = "
                "c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
            )
        elif self.db.dialect in ("mysql", "mariadb"):
            sql = (
                "SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
            )
        else:
            return {}
        return {r[0]: int(r[1] if r[1] is not None else -1) for r in self.db.execute(sql).rows}

    def _sample_values(self, name: str, columns: list[str]) -> dict[str, list[Any]]:
        """Distinct values of the columns that have at most MAX_SAMPLE_VALUES of them."""
        if not columns:
            return {}
        table = self._quote(name)
        counts = self.db.execute(
            "SELECT " + ", ".join(f"COUNT(DISTINCT {self._quote(c)})" for c in columns) + f" FROM {table}"
        ).rows[0]
        out = {}
        for column, distinct in zip(columns, counts, strict=True):
            if 0 < int(distinct) <= MAX_SAMPLE_VALUES:
                q = self._quote(column)
                rows = self.db.execute(
                    f"SELECT DISTINCT {q} FROM {table} WHERE {q} IS NOT NULL ORDER BY {q}"
                ).rows
                out[column] = [r[0] for r in rows]
        return out


def _texty(column: dict[str, Any]) -> bool:
    return any(t in str(column["type"]).upper() for t in _TEXT_TYPES)


def _table_comment(insp, name: str) -> str:
    try:
        return (insp.get_table_comment(name) or {}).get("text") or ""
    except NotImplementedError:
        return ""
