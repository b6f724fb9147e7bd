"""The start-up check of the database role: can this connection write, or reach beyond the database?

Why at start-up: the guards in front of the database (statement check, read-only session) are code, and
code can have a hole; a role that cannot write is the guard that cannot be parsed around. So before the
analytics server serves, it asks the database what the connection may do and lists every problem:
- PostgreSQL: superuser; a role attribute that reaches past the data (CREATEROLE, CREATEDB, REPLICATION,
  BYPASSRLS); INSERT/UPDATE/DELETE/TRUNCATE on any table or view of the database; CREATE on the database
  or a schema; EXECUTE on dblink (a second, writable connection), on server-side large-object file
  functions (`lo_import`/`lo_export`) or file functions (`pg_read_file`, `pg_ls_dir`); membership in the
  pg_read_server_files / pg_write_server_files / pg_execute_server_program / pg_signal_backend roles.
- MariaDB/MySQL: any privilege in SHOW GRANTS other than SELECT, SHOW VIEW and USAGE (ALL PRIVILEGES,
  INSERT, FILE, SUPER, PROCESS, EXECUTE, ...).
- SQLite: the file is opened read-only (`mode=ro`) and `query_only` is on; nothing else can write.
server.py refuses to start when the list is not empty, unless DATABASE_ALLOW_UNSAFE_ROLE is set: then it
serves with a warning in its log and in the status it reports to the worker (the MCP instructions).
"""

from __future__ import annotations

import re

from agent_service.tools.analytics.query import ReadOnlyDatabase

POSTGRES_CHECKS = {
    "is a superuser": "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
    "can create roles or databases, replicate or bypass row security": (
        "SELECT rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user"
    ),
    "can write to tables (INSERT/UPDATE/DELETE/TRUNCATE)": (
        "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' AND (has_table_privilege(c.oid, 'INSERT') OR "
        "has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE') OR "
        "has_table_privilege(c.oid, 'TRUNCATE')))"
    ),
    "can create objects in the database or a schema": (
        "SELECT has_database_privilege(current_database(), 'CREATE') OR EXISTS (SELECT 1 FROM pg_namespace "
        "WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_temp%' "
        "AND nspname NOT LIKE 'pg_toast%' AND has_schema_privilege(oid, 'CREATE'))"
    ),
    "can use dblink (a second connection that is not read-only)": (
        "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname LIKE 'dblink%' "
        "AND has_function_privilege(oid, 'EXECUTE'))"
    ),
    "can use large-object or file functions (lo_import, lo_export, pg_read_file, pg_ls_dir)": (
        "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname IN ('lo_import', 'lo_export', 'pg_read_file', "
        "'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file') AND has_function_privilege(oid, 'EXECUTE'))"
    ),
    "is a member of a server-file, program or signal role": (
        "SELECT pg_has_role('pg_read_server_files', 'MEMBER') OR pg_has_role('pg_write_server_files', "
        "'MEMBER') OR pg_has_role('pg_execute_server_program', 'MEMBER') OR "
        "pg_has_role('pg_signal_backend', 'MEMBER')"
    ),
}
MYSQL_READ_PRIVILEGES = {"SELECT", "SHOW VIEW", "USAGE"}


def role_problems(db: ReadOnlyDatabase) -> list[str]:
    """What the connection of `db` can do that a read-only analytics role must not (empty = fine)."""
    if db.dialect == "postgresql":
        return [problem for problem, sql in POSTGRES_CHECKS.items() if db.execute(sql).rows[0][0]]
    if db.dialect in ("mysql", "mariadb"):
        grants = [row[0] for row in db.execute("SHOW GRANTS").rows]
        extra = sorted({p for grant in grants for p in _mysql_privileges(grant)} - MYSQL_READ_PRIVILEGES)
        return [f"has privileges beyond SELECT: {', '.join(extra)}"] if extra else []
    only = db.execute("PRAGMA query_only").rows[0][0]
    return [] if only else ["the SQLite connection is not query_only"]


def _mysql_privileges(grant: str) -> set[str]:
    m = re.match(r"GRANT (.+?) ON ", grant)
    if not m:  # a role grant ("GRANT role TO user"): its privileges are listed on their own lines
        return set()
    privileges = re.sub(r"\([^)]*\)", "", m.group(1))  # column lists: SELECT (a, b)
    return {p.strip().upper() for p in privileges.split(",") if p.strip()}
