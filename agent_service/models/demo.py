"""DemoModel: the OFFLINE, DETERMINISTIC demo model (no LLM, no network) behind the `agents.Model` interface.

Why it exists: the service must run, demo and be tested end to end without an API key, and tests need
answers that are the same on every run. It is still a real participant in the agent loop: it never reads
the database itself, it emits function calls that the real Runner executes through the real MCP server,
and it streams its answer as many text deltas, so queueing, tool events, token coalescing, cancellation and
usage accounting are exercised exactly as with a hosted model.

One run for a data question (each model call looks at the items after the latest user message):
  call 1: no tool output yet           → function call `list_tables` (or `describe_table`)
  call 2: list_tables output present   → function call `run_query` with SQL from demo_questions.py,
                                          transpiled to the `dialect` list_tables reports (demo_sql.py)
  call 3: run_query output present     → stream a summary built from the real rows (demo_answers.py)
A write ("delete the cancelled orders") or a request for files, credentials or instructions is refused in
words with no tool call (demo_refusals.py). "What did I ask before?" is answered from the conversation
history in `input` (proves follow-ups see earlier turns); anything else gets the help text without a tool
call. An agent with the task list tools (`tasks`) follows demo_tasks.py instead, where writes are the point. Token usage is estimated as a word
count so CompleteEvent.usage is non-zero and deterministic. Delay between deltas: 1 / DEMO_TOKENS_PER_S.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from agents import Model, ModelResponse, ModelSettings, ModelTracing, Tool, Usage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionToolCall,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseUsage,
)
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

from agent_service.models import demo_answers as answers
from agent_service.models import demo_tasks as tasks
from agent_service.models.demo_questions import Plan, parse_question
from agent_service.models.demo_sql import for_dialect

MODEL_NAME = "offline-demo"


@dataclass(frozen=True)
class Reply:
    """What one model call produces: text to stream, or one function call."""

    text: str = ""
    tool: str | None = None
    arguments: dict | None = None


class DemoModel(Model):
    """The offline demo model (deterministic; calls the MCP analytics tools; streams real-row summaries)."""

    model = "demo"
    """gen_ai.request.model in the worker's metrics (agent_service/observation.py)."""

    def __init__(self, tokens_per_s: float = 40) -> None:
        self.delay_s = 1 / tokens_per_s if tokens_per_s > 0 else 0.0

    async def get_response(
        self,
        system_instructions,
        input,
        model_settings,
        tools,
        output_schema,
        handoffs,
        tracing,
        *,
        previous_response_id=None,
        conversation_id=None,
        prompt=None,
    ) -> ModelResponse:
        items = _items(input)
        reply = decide(items, tools)
        output, usage = _output(reply, items, system_instructions)
        return ModelResponse(
            output=output,
            usage=Usage(
                requests=1,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                total_tokens=usage.total_tokens,
            ),
            response_id=f"resp_demo_{len(items)}",
        )

    async def stream_response(
        self,
        system_instructions,
        input,
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema,
        handoffs,
        tracing: ModelTracing,
        *,
        previous_response_id=None,
        conversation_id=None,
        prompt=None,
    ) -> AsyncIterator[Any]:
        items = _items(input)
        reply = decide(items, tools)
        output, usage = _output(reply, items, system_instructions)
        seq = iter(range(1_000_000))
        yield ResponseCreatedEvent(
            type="response.created",
            sequence_number=next(seq),
            response=_response(len(items), [], None, "in_progress"),
        )
        item = output[0]
        if isinstance(item, ResponseFunctionToolCall):
            added = item.model_copy(update={"arguments": "", "status": "in_progress"})
            yield ResponseOutputItemAddedEvent(
                type="response.output_item.added", sequence_number=next(seq), output_index=0, item=added
            )
            yield ResponseFunctionCallArgumentsDeltaEvent(
                type="response.function_call_arguments.delta",
                sequence_number=next(seq),
                item_id=item.id or "",
                output_index=0,
                delta=item.arguments,
            )
        else:
            empty = item.model_copy(update={"content": [], "status": "in_progress"})
            yield ResponseOutputItemAddedEvent(
                type="response.output_item.added", sequence_number=next(seq), output_index=0, item=empty
            )
            for i, token in enumerate(tokenize(reply.text)):
                if i and self.delay_s:
                    await asyncio.sleep(self.delay_s)
                yield ResponseTextDeltaEvent(
                    type="response.output_text.delta",
                    sequence_number=next(seq),
                    item_id=item.id,
                    output_index=0,
                    content_index=0,
                    delta=token,
                    logprobs=[],
                )
        yield ResponseOutputItemDoneEvent(
            type="response.output_item.done", sequence_number=next(seq), output_index=0, item=item
        )
        yield ResponseCompletedEvent(
            type="response.completed",
            sequence_number=next(seq),
            response=_response(len(items), output, usage, "completed"),
        )


def decide(items: list[dict], tools: list[Tool]) -> Reply:
    """The whole demo policy: what to do next given the conversation so far (pure, deterministic)."""
    users = [i for i, item in enumerate(items) if item.get("role") == "user"]
    last = users[-1] if users else -1
    question = _text(items[last].get("content")) if users else ""
    names = {getattr(t, "name", "") for t in tools}
    if names & tasks.TOOLS:
        return Reply(*tasks.decide(question, _tool_outputs(items[last + 1 :])))
    plan = parse_question(question)
    if plan.kind == "history":
        return Reply(answers.history_answer([_text(items[i].get("content")) for i in users[:-1]]))
    if plan.kind == "refusal":
        return Reply(plan.text)
    if not tools:  # an agent without tools (the `chat` agent): no analytics help either
        return Reply(answers.no_tools_answer(question))
    if plan.kind == "help":
        return Reply(answers.help_text())
    if plan.kind == "unsupported":
        return Reply(answers.help_text(plan.text))
    if plan.tool not in names or "list_tables" not in names:
        return Reply(
            f"I am the offline demo model and the analytics tools ({plan.tool}) are not connected, "
            "so I cannot query the database right now."
        )
    outputs = _tool_outputs(items[last + 1 :])
    if "list_tables" not in outputs:
        return Reply(tool="list_tables", arguments={})
    if plan.tool == "list_tables":
        return _from_output(plan, outputs["list_tables"])
    listing = answers.parse_tool_output(outputs["list_tables"]) or {}
    available = [t.get("name") for t in listing.get("tables", [])]
    if listing and any(t not in available for t in plan.tables):
        return Reply(answers.missing_tables_answer(plan, available))
    if plan.tool not in outputs:
        arguments = plan.arguments
        if "sql" in arguments:
            arguments = {**arguments, "sql": for_dialect(arguments["sql"], listing.get("dialect"))}
        return Reply(tool=plan.tool, arguments=arguments)
    return _from_output(plan, outputs[plan.tool])


def _from_output(plan: Plan, text: str) -> Reply:
    output = answers.parse_tool_output(text)
    if output is None:
        return Reply(answers.tool_error_answer(plan, text))
    return Reply(answers.answer(plan, output))


def tokenize(text: str) -> list[str]:
    """Word-sized deltas whose concatenation is exactly `text`."""
    return re.findall(r"\s*\S+|\s+$", text) or [text]


def _items(input: str | list) -> list[dict]:
    if isinstance(input, str):
        return [{"role": "user", "content": input}]
    return [i if isinstance(i, dict) else i.model_dump(exclude_unset=True) for i in input]


def _text(content: Any) -> str:
    """Plain text of a message content / tool output (str, or a list of text parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return "" if content is None else str(content)


def _tool_outputs(items: list[dict]) -> dict[str, str]:
    """Tool name → output text for the function calls answered after the latest user message."""
    names = {i.get("call_id"): i.get("name") for i in items if i.get("type") == "function_call"}
    return {
        names.get(i.get("call_id"), ""): _text(i.get("output"))
        for i in items
        if i.get("type") == "function_call_output"
    }


def _output(reply: Reply, items: list[dict], instructions: str | None) -> tuple[list, ResponseUsage]:
    n = len(items)
    if reply.tool:
        args = json.dumps(reply.arguments or {})
        out: list = [
            ResponseFunctionToolCall(
                id=f"fc_demo_{n}",
                call_id=f"call_demo_{n}_{reply.tool}",
                type="function_call",
                name=reply.tool,
                arguments=args,
                status="completed",
            )
        ]
        produced = args
    else:
        out = [
            ResponseOutputMessage(
                id=f"msg_demo_{n}",
                type="message",
                role="assistant",
                status="completed",
                content=[ResponseOutputText(type="output_text", text=reply.text, annotations=[])],
            )
        ]
        produced = reply.text
    parts = (_text(i.get("content") or i.get("output") or i.get("arguments")) for i in items)
    seen = " ".join([instructions or "", *parts])
    input_tokens, output_tokens = _words(seen), max(1, _words(produced))
    usage = ResponseUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
        input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
        output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
    )
    return out, usage


def _words(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text))


def _response(n: int, output: list, usage: ResponseUsage | None, status: str) -> Response:
    return Response(
        id=f"resp_demo_{n}",
        created_at=time.time(),
        model=MODEL_NAME,
        object="response",
        output=output,
        tool_choice="auto",
        tools=[],
        parallel_tool_calls=False,
        status=status,
        usage=usage,
    )
