"""The worker's exceptions.

    WorkerError                     every exception the worker defines
    ├── ToolServerNotStarted        the analytics MCP server gave no connection within its start
    │                               timeout (tools/supervisor.py): the worker logs it and exits 1
    └── CatalogError                MCP_SERVERS_FILE cannot be read or is invalid (tools/catalog.py):
                                    the worker logs the one message and exits 1
    The analytics MCP server's own (a separate process, agent_service/tools/analytics/; kept there):
    QueryError                      a query or schema lookup failed; its message goes to the model
    └── TooBig                      the column names alone do not fit in QUERY_MAX_BYTES
    StatementError (ValueError)     the SQL is not one read-only statement (statement.py)
    DriverError (ValueError)        DATABASE_URL names an unsupported database or driver (engines.py)

A failure inside a run (a model error, a tool error, a lost Redis connection) is not one of these: it
ends that run with an `error` event or a requeue, never the process.
"""

from __future__ import annotations


class WorkerError(Exception):
    """Base of every exception the worker defines."""


class ToolServerNotStarted(WorkerError):
    """The MCP server did not connect within the start timeout; the worker cannot serve without it."""


class CatalogError(WorkerError):
    """MCP_SERVERS_FILE is unreadable or invalid; the message names the file and each problem."""
