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
words with no tool call (demo_refusals.py). A message with images or files is answered with what arrived
(demo_attachments.py). "What did I ask before?" is answered from the conversation history in `input`
(proves follow-ups see earlier turns); anything else gets the help text without a tool call. An agent
with the task list tools (`tasks`) follows demo_tasks.py instead, where writes are the point. Tools
other than the analytics ones (an operator's own MCP servers) are called the generic way: demo_policy.py,
which holds the policy. Token usage is estimated as a word
count so CompleteEvent.usage is non-zero and deterministic. Delay between deltas: 1 / DEMO_TOKENS_PER_S.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
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

from agent_service.models.demo_policy import Reply, decide, text_of

MODEL_NAME = "offline-demo"


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


def tokenize(text: str) -> list[str]:
    """Word-sized deltas whose concatenation is exactly `text`."""
    return re.findall(r"\s*\S+|\s+$", text) or [text]


def _items(input: str | list) -> list[dict]:
    if isinstance(input, str):
        return [{"role": "user", "content": input}]
    return [i if isinstance(i, dict) else i.model_dump(exclude_unset=True) for i in input]


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
    seen = " ".join(
        [
            instructions or "",
            *(text_of(i.get("content") or i.get("output") or i.get("arguments")) for i in items),
        ]
    )
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
