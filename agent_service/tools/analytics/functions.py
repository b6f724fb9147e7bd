"""Which SQL functions a query may call: an allow-list per database, never a deny-list.

Why an allow-list: side effects in SQL hide in functions (PostgreSQL `dblink_exec`, `lo_export`,
`pg_terminate_backend`, `set_config`, `pg_advisory_lock`; MariaDB `GET_LOCK`, `LOAD_FILE`, `SLEEP`; SQLite
`load_extension`, `fts3_tokenizer`). A deny-list misses the next one; an allow-list fails closed.
- PostgreSQL: the server itself says which functions have no side effects. A name is allowed when every
  function of that name in `pg_proc` (all schemas, all overloads) is marked immutable or stable
  (`provolatile`) and is a function, aggregate or window function (not a procedure); the set is read once
  per connection (`postgres_allowed_functions`). A few stable names are still refused (`POSTGRES_REFUSED`):
  they read server files, settings or other sessions, or run SQL text of their own (`query_to_xml`).
- MariaDB/MySQL and SQLite: a named list of the aggregate, window, date, string, math, JSON and
  conditional functions analytics needs (`MYSQL_FUNCTIONS`, `SQLITE_FUNCTIONS`).
- Keyword syntax sqlglot parses into function nodes but the database does not call by name (CAST, CASE,
  EXTRACT, CURRENT_DATE, TRIM ... FROM, operators) is not a function call and needs no entry.
The statement check (statement.py) applies the list to every function in the query, in the select list,
WHERE, FROM (`SELECT * FROM pg_read_file(...)`) and subqueries alike; on SQLite the connection's authorizer
applies the same list again inside the database engine.
"""

from __future__ import annotations

import re

# fmt: off
COMMON = {
    # aggregates and window functions
    "avg", "count", "max", "min", "sum", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist",
    "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
    # conditional and null handling
    "coalesce", "nullif", "ifnull", "iif", "if", "greatest", "least",
    # strings
    "lower", "upper", "length", "char_length", "character_length", "octet_length", "substr", "substring",
    "trim", "ltrim", "rtrim", "replace", "instr", "concat", "concat_ws", "left", "right", "reverse", "lpad",
    "rpad", "position", "locate", "hex", "unicode", "char", "format", "quote",
    # math
    "abs", "ceil", "ceiling", "floor", "round", "trunc", "truncate", "mod", "power", "pow", "sqrt", "exp",
    "ln", "log", "log10", "log2", "sign", "pi", "sin", "cos", "tan", "asin", "acos", "atan", "atan2",
    "degrees", "radians", "random", "rand",
    # dates
    "date", "time", "datetime", "now", "current_date", "current_time", "current_timestamp",
    # JSON
    "json_extract", "json_array", "json_object", "json_array_length", "json_type", "json_valid",
    "json_group_array", "json_group_object",
}
SQLITE_FUNCTIONS = frozenset(COMMON | {
    "total", "group_concat", "string_agg", "julianday", "unixepoch", "strftime", "timediff", "typeof",
    "printf", "likely", "unlikely", "likelihood", "glob", "like", "soundex", "json", "json_each",
    "json_tree", "json_quote",
})
MYSQL_FUNCTIONS = frozenset(COMMON | {
    "group_concat", "std", "stddev", "stddev_pop", "stddev_samp", "var_pop", "var_samp", "variance",
    "bit_and", "bit_or", "bit_xor", "json_arrayagg", "json_objectagg",
    "date_format", "str_to_date", "year", "month", "day", "dayofmonth", "dayofweek", "dayofyear",
    "dayname", "monthname", "week", "weekday", "weekofyear", "yearweek", "quarter", "hour", "minute",
    "second", "microsecond", "last_day", "makedate", "maketime", "date_add", "date_sub", "adddate",
    "subdate", "addtime", "subtime", "datediff", "timediff", "timestampdiff", "timestampadd",
    "from_days", "to_days", "to_seconds", "from_unixtime", "unix_timestamp", "curdate", "curtime",
    "sysdate", "utc_date", "utc_timestamp", "extract", "period_add", "period_diff", "sec_to_time",
    "time_to_sec", "time_format", "convert_tz", "get_format", "cast", "convert",
    "substring_index", "repeat", "space", "field", "find_in_set", "elt", "strcmp",
    "regexp_replace", "regexp_substr", "regexp_instr", "regexp_like", "md5", "sha1", "sha2", "crc32",
    "bin", "oct", "conv", "ascii", "ord", "lcase", "ucase", "mid", "format", "length", "bit_length",
    "json_unquote", "json_contains", "json_keys", "json_length", "json_value", "json_search",
    "json_contains_path", "json_depth", "isnull", "interval", "cot", "div",
})
DUCKDB_FUNCTIONS = frozenset(COMMON | {
    # the uploaded tables (uploaddb.py): aggregates and statistics
    "median", "mode", "quantile", "quantile_cont", "quantile_disc", "percentile_cont", "percentile_disc",
    "stddev", "stddev_pop", "stddev_samp", "var_pop", "var_samp", "variance", "corr", "covar_pop",
    "covar_samp", "count_if", "approx_count_distinct", "any_value", "arg_max", "arg_min", "max_by",
    "min_by", "bool_and", "bool_or", "first", "last", "string_agg", "listagg", "group_concat", "list",
    "array_agg", "histogram", "product", "fsum", "entropy", "kurtosis", "skewness",
    # dates
    "date_trunc", "date_part", "datepart", "date_diff", "datediff", "date_add", "date_sub", "strftime",
    "strptime", "try_strptime", "make_date", "make_timestamp", "epoch", "epoch_ms", "to_timestamp",
    "year", "month", "day", "dayofmonth", "dayofweek", "dayofyear", "dayname", "monthname", "week",
    "weekofyear", "weekday", "quarter", "hour", "minute", "second", "last_day", "age", "isodow",
    "isoyear", "yearweek", "era", "century", "decade", "millennium", "time_bucket", "to_days",
    "to_months", "to_years", "to_hours", "to_minutes", "to_seconds",
    # strings and lists
    "contains", "starts_with", "ends_with", "prefix", "suffix", "split_part", "string_split",
    "str_split", "regexp_matches", "regexp_replace", "regexp_extract", "regexp_full_match", "strpos",
    "array_length", "len", "list_contains", "unnest", "array_to_string", "list_aggregate",
    "levenshtein", "jaro_winkler_similarity", "md5", "hash", "ascii", "chr", "repeat", "initcap",
    "nullif", "isnan", "isinf", "isfinite", "even", "gamma", "factorial", "cbrt", "bit_count",
    "try_cast", "typeof",
})
"""DuckDB over a session's uploaded tables: no table function at all, so every file reader (read_csv,
read_parquet, glob, ...), catalog function (duckdb_settings, ...) and row generator (range) is refused."""
# fmt: on
POSTGRES_REFUSED = re.compile(
    r"^(?:pg_(?!typeof$).*|lo_.*|dblink.*|current_setting|txid_.*|inet_.*|version|"
    r"query_to_xml.*|cursor_to_xml.*|table_to_xml.*|schema_to_xml.*|database_to_xml.*|"
    r"ts_stat|has_.*_privilege|row_security_active|set_config|set_.*)$"
)
"""Stable PostgreSQL functions still refused: server files, settings, sessions, privileges, SQL in a string."""

POSTGRES_FUNCTIONS_SQL = """
SELECT proname
FROM pg_proc
GROUP BY proname
HAVING bool_and(provolatile IN ('i', 's') AND prokind IN ('f', 'a', 'w'))
"""
"""Names all of whose overloads, in every schema, are immutable/stable functions, aggregates or windows."""


def postgres_allowed_functions(names: list[str]) -> frozenset[str]:
    """The allow-list from the names `POSTGRES_FUNCTIONS_SQL` returned, less `POSTGRES_REFUSED`."""
    return frozenset(n.lower() for n in names if not POSTGRES_REFUSED.match(n.lower()))


def named_allowed_functions(dialect: str) -> frozenset[str]:
    """The named allow-list of a database without a volatility catalog (sqlite, mysql/mariadb, duckdb)."""
    return {"sqlite": SQLITE_FUNCTIONS, "duckdb": DUCKDB_FUNCTIONS}.get(dialect, MYSQL_FUNCTIONS)
