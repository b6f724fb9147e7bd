"""Validate, run, correct: how many run_query attempts one run may fail, and what the model is told.

Why in the worker: the analytics server serves every run of the worker and cannot tell them apart; the
worker knows the run of each call (runscope.py). Each attempt stays one tool step the client sees (tool +
tool_result with its SQL and the database's error). A failed attempt's error gets a note saying which
attempt of SQL_MAX_RETRIES it was and what to do next; the last allowed one tells the model to stop and
explain to the user; any attempt after that is answered with a refusal, without reaching the database.
"""

from __future__ import annotations

from mcp_types import CallToolResult, TextContent

from agent_service.execution.runscope import RunScope


class QueryAttempts:
    def __init__(self, max_failures: int) -> None:
        self.max_failures = max(max_failures, 1)

    def refusal(self, scope: RunScope) -> CallToolResult | None:
        """The answer to an attempt after the budget is spent (None: the attempt may run)."""
        if scope.sql_failures < self.max_failures:
            return None
        text = (
            f"run_query was not run: {scope.sql_failures} attempts already failed for this question "
            f"(SQL_MAX_RETRIES={self.max_failures}). Do not call run_query again; explain to the user "
            "what you tried and why it failed."
        )
        return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)

    def counted(self, scope: RunScope, result: CallToolResult) -> CallToolResult:
        """`result`, counted against the budget, with the note a failed attempt gets."""
        if not result.is_error:
            return result
        scope.sql_failures += 1
        n, limit = scope.sql_failures, self.max_failures
        if n < limit:
            note = f" (failed attempt {n} of {limit}: fix the SQL using this error and call run_query again)"
        else:
            scope.sql_stopped = True
            note = (
                f" (failed attempt {n} of {limit}, the last one: do not call run_query again for this "
                "question; explain to the user what you tried and why it failed)"
            )
        return result.model_copy(update={"content": [*result.content, TextContent(type="text", text=note)]})
