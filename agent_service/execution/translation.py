"""SDK stream events → contract events, and the tool steps and timings they add to the run's RunRecord.

Why a separate translator: the SDK's event vocabulary (raw Responses deltas, run items) is not the wire
protocol; this is the one place that knows both. It also normalises the three shapes a tool output takes
(function tool: str; MCP tool: {'type':'text','text':...}; structured: JSON str) into "parsed JSON when
it is JSON, else text", and turns tool names into the human step a UI shows ("Running SQL query").
Token deltas go to the EventSink buffer (coalesced); everything else is appended in order.

It also tells the client where the agent is (progress events, numbered by the run's RunScope):
understanding at the run's first event, exploring_schema at a schema tool call, validating at a
run_query call (the server's dry run comes first; its "querying" comes from the tool server), answering
at the first text token. And after the tool_result of a run_query call whose result the tool server
attached (custom_data "data": the whole table, the model only got a summary) it emits the `data` event
and keeps it on the step, so the transcript has it too.
"""

from __future__ import annotations

import json
import time
from typing import Any

from openai.types.responses import ResponseCompletedEvent, ResponseTextDeltaEvent

from agent_service.execution.eventsink import EventSink
from agent_service.execution.runscope import RunScope
from contract import DataEvent, QueryData, ToolEvent, ToolResultEvent, ToolStep

_STEP_MESSAGES = {
    "run_sql": "Running SQL query",
    "run_query": "Running SQL query",
    "query": "Running SQL query",
    "execute_sql": "Running SQL query",
    "list_tables": "Listing tables",
    "describe_table": "Describing table {table}",
    "get_schema": "Reading the schema",
    "sample_rows": "Reading sample rows of {table}",
}
SCHEMA_TOOLS = frozenset({"list_tables", "describe_table", "sample_rows", "get_schema"})
QUERY_TOOLS = frozenset({"run_query", "run_sql", "query", "execute_sql"})


def step_message(name: str, arguments: dict[str, Any]) -> str:
    """The human-readable step for a tool call, e.g. 'Describing table orders'."""
    template = _STEP_MESSAGES.get(name)
    if template is None:
        if "sql" in name or "query" in name:
            return "Running SQL query"
        return "Running " + name.replace("_", " ")
    table = arguments.get("table") or arguments.get("table_name") or arguments.get("name") or ""
    return template.format(table=table).strip()


def parse_arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {"raw": str(raw)}
    return value if isinstance(value, dict) else {"value": value}


def normalize_output(output: Any) -> Any:
    """Tool output as the client sees it: parsed JSON when the text is JSON, else the text."""
    if isinstance(output, dict) and output.get("type") == "text" and "text" in output:
        output = output["text"]
    elif isinstance(output, list) and all(isinstance(o, dict) and "text" in o for o in output):
        output = "".join(o["text"] for o in output)
    if isinstance(output, str):
        try:
            return json.loads(output)
        except ValueError:
            return output
    try:
        json.dumps(output)
    except (TypeError, ValueError):
        return str(output)
    return output


def _is_error(item: Any, output: Any) -> bool:
    custom = getattr(item, "custom_data", None) or {}
    if "is_error" in custom:
        return bool(custom["is_error"])
    return isinstance(output, str) and output.startswith(("Error executing tool", "An error occurred"))


class Translator:
    """Feed every SDK stream event to `handle`; the steps and timings go to the sink's RunRecord."""

    def __init__(self, sink: EventSink) -> None:
        """Starts the run's record clock and enters the run's RunScope (created in the run's task,
        before the SDK run starts)."""
        self.sink = sink
        self.record = sink.record
        self.task_id = sink.task_id
        self.scope = RunScope(sink, self.task_id).enter()
        self.record.begin()
        self._turn_start = self.record.started
        self._calls: dict[str, tuple[ToolStep, float]] = {}

    def awaiting(self, steps: list[ToolStep]) -> None:
        """A resumed run: the paused calls' results arrive without their `tool_called` (emitted before
        the pause), and complete the steps the paused run recorded."""
        for step in steps:
            if step.output is None:
                self._calls[step.call_id] = (step, time.monotonic())

    def _ms(self, since: float) -> int:
        return int((time.monotonic() - since) * 1000)

    async def handle(self, ev: Any) -> None:
        if self.scope.stage is None:
            await self.scope.progress("understanding", "Reading the question")
        if ev.type == "raw_response_event":
            if isinstance(ev.data, ResponseTextDeltaEvent):
                if ev.data.delta and self.scope.stage != "answering":
                    await self.scope.progress("answering", "Writing the answer")
                self.sink.token(ev.data.delta)
            elif isinstance(ev.data, ResponseCompletedEvent):
                self.record.add_workflow("model", self._ms(self._turn_start))
                self._turn_start = time.monotonic()
        elif ev.type == "run_item_stream_event":
            if ev.name == "tool_called":
                await self._tool_called(ev.item)
            elif ev.name == "tool_output":
                await self._tool_output(ev.item)

    async def _tool_called(self, item: Any) -> None:
        raw = item.raw_item
        name = getattr(item, "tool_name", None) or getattr(raw, "name", None) or "tool"
        call_id = getattr(item, "call_id", None) or getattr(raw, "call_id", None) or ""
        arguments = parse_arguments(getattr(raw, "arguments", None))
        step = ToolStep(
            call_id=call_id, name=name, message=step_message(name, arguments), arguments=arguments
        )
        self._calls[call_id] = (step, time.monotonic())
        self.record.add_step(step)
        await self.sink.emit(
            ToolEvent(
                task_id=self.task_id,
                name=name,
                arguments=arguments,
                call_id=call_id,
                message=step.message,
            )
        )
        if name in SCHEMA_TOOLS:
            await self.scope.progress("exploring_schema", step.message)
        elif name in QUERY_TOOLS and not self.scope.sql_stopped:  # a stopped run's call is refused
            message = f"Checking the SQL with a dry run (attempt {self.scope.sql_attempt})"
            await self.scope.progress("validating", message)

    async def _tool_output(self, item: Any) -> None:
        await self.scope.settle()  # the call's progress events come before its result
        raw = item.raw_item
        call_id = (raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)) or ""
        step, began = self._calls.pop(call_id, (None, self._turn_start))
        output = normalize_output(item.output)
        step = step or ToolStep(call_id=call_id, name="tool")
        step.output = output
        step.is_error = _is_error(item, output)
        step.duration_ms = self._ms(began)
        self.record.add_workflow(step.name, step.duration_ms)
        self._turn_start = time.monotonic()
        await self.sink.emit(
            ToolResultEvent(
                task_id=self.task_id,
                call_id=call_id,
                name=step.name,
                output=output,
                is_error=step.is_error,
                duration_ms=step.duration_ms,
            )
        )
        data = (getattr(item, "custom_data", None) or {}).get("data")
        if isinstance(data, dict):
            step.data = QueryData.model_validate({**data, "call_id": call_id, "name": step.name})
            await self.sink.emit(DataEvent(task_id=self.task_id, **step.data.model_dump()))
