"""Server-sent events in the OpenAI Responses API format, for the fake server's POST /v1/responses.

Built from the openai package's own pydantic types, so the frames have exactly the fields the client and the
Agents SDK parse (created → output_item.added → deltas → output_item.done → completed with the full Response).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

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


async def events(
    rid: str,
    model: str,
    tool: str | None,
    arguments: str,
    chunks: Iterator[str],
    delay_s: float,
    prompt_tokens: int,
) -> AsyncIterator[str]:
    seq = iter(range(10**9))

    def frame(event) -> str:
        return f"event: {event.type}\ndata: {event.model_dump_json(exclude_none=True)}\n\n"

    def response(output: list, status: str, completion: int = 0) -> Response:
        usage = ResponseUsage(
            input_tokens=prompt_tokens,
            output_tokens=completion,
            total_tokens=prompt_tokens + completion,
            input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
            output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
        )
        return Response(
            id=rid,
            created_at=time.time(),
            model=model,
            object="response",
            output=output,
            tool_choice="auto",
            tools=[],
            parallel_tool_calls=False,
            status=status,
            usage=usage if status == "completed" else None,
        )

    yield frame(
        ResponseCreatedEvent(
            type="response.created", sequence_number=next(seq), response=response([], "in_progress")
        )
    )
    count = 0
    if tool:
        item = ResponseFunctionToolCall(
            id=f"fc_{rid}",
            call_id=f"call_{rid}",
            type="function_call",
            name=tool,
            arguments=arguments,
            status="completed",
        )
        yield frame(
            ResponseOutputItemAddedEvent(
                type="response.output_item.added",
                sequence_number=next(seq),
                output_index=0,
                item=item.model_copy(update={"arguments": ""}),
            )
        )
        for i in range(0, len(arguments), 16):
            count += 1
            yield frame(
                ResponseFunctionCallArgumentsDeltaEvent(
                    type="response.function_call_arguments.delta",
                    sequence_number=next(seq),
                    item_id=item.id or "",
                    output_index=0,
                    delta=arguments[i : i + 16],
                )
            )
    else:
        text: list[str] = []
        empty = ResponseOutputMessage(
            id=f"msg_{rid}", type="message", role="assistant", status="in_progress", content=[]
        )
        yield frame(
            ResponseOutputItemAddedEvent(
                type="response.output_item.added", sequence_number=next(seq), output_index=0, item=empty
            )
        )
        for piece in chunks:
            if delay_s and count:
                await asyncio.sleep(delay_s)
            count += 1
            text.append(piece)
            yield frame(
                ResponseTextDeltaEvent(
                    type="response.output_text.delta",
                    sequence_number=next(seq),
                    item_id=empty.id,
                    output_index=0,
                    content_index=0,
                    delta=piece,
                    logprobs=[],
                )
            )
        item = empty.model_copy(
            update={
                "status": "completed",
                "content": [ResponseOutputText(type="output_text", text="".join(text), annotations=[])],
            }
        )
    yield frame(
        ResponseOutputItemDoneEvent(
            type="response.output_item.done", sequence_number=next(seq), output_index=0, item=item
        )
    )
    yield frame(
        ResponseCompletedEvent(
            type="response.completed",
            sequence_number=next(seq),
            response=response([item], "completed", max(1, count)),
        )
    )
