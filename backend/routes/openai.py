"""The OpenAI-compatible facade: `POST /v1/chat/completions` (streaming and not) and `GET /v1/models`,
so the official `openai` client, Open WebUI or LibreChat can use our agents as models (model = agent).

Admission is the chat routes' own (rate limits, stream caps, capacity: 429/503 before anything is
queued); errors carry OpenAI's `error` object next to our `detail` (backend/errors.py). The API key
may come as `Authorization: Bearer <key>`, as OpenAI's clients send it. How a conversation maps to
our sessions: backend/completions.py; the stream's chunks: backend/completionstream.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from backend.answer import wait_for_answer
from backend.auth import OpenAiPrincipal
from backend.chatturn import start_turn, task_headers
from backend.completions import (
    CompletionRequest,
    Threads,
    completion,
    error_body,
    models,
)
from backend.completionstream import chunks
from backend.deps import AdmissionDep, SettingsDep, StreamsDep, TasksDep
from backend.errors import ApiError
from backend.routes.chat import REFUSALS
from backend.schemas import ChatRequest
from backend.streamopening import StreamOpening

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.get("/models")
async def list_models(principal: OpenAiPrincipal, admission: AdmissionDep) -> dict:
    """The agents, as OpenAI models."""
    return models((await admission.current()).agents)


@router.post(
    "/chat/completions",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "A chat.completion, or its chunks with stream",
        },
        **REFUSALS,
        504: {"description": "No answer within CHAT_WAIT_S (without stream); the task runs on"},
    },
)
async def chat_completions(
    request: Request,
    body: CompletionRequest,
    principal: OpenAiPrincipal,
    streams: StreamsDep,
    tasks: TasksDep,
    admission: AdmissionDep,
    settings: SettingsDep,
):
    """A chat turn of the agent named by `model`: the last user message is the question; the earlier
    messages say which conversation it continues."""
    offered = (await admission.current()).agents
    if body.model not in offered:
        known = ", ".join(offered) or "none live"
        raise ApiError(
            404,
            f"The model '{body.model}' does not exist (models: {known})",
            extra={"code": "model_not_found"},
        )
    threads = Threads(tasks.redis, settings.session_ttl_s)
    session_id, question = await threads.find(principal.owner, body)
    if len(question) > settings.max_message_chars:
        raise ApiError(413, f"message is longer than {settings.max_message_chars} characters")
    turn = ChatRequest(message=question, session_id=session_id, agent=body.model)
    admitted = await streams.slots.admit(principal)
    async with StreamOpening(streams, admitted.slot) as opening:
        task, _enqueued = await start_turn(request, principal.owner, turn, tasks, admission, opening)
        headers = task_headers(task, admitted.headers)

        async def remember(answer: str) -> None:
            await threads.remember(principal.owner, body, task.session_id, answer)

        if body.stream:
            listener, slot = opening.take()
            body_chunks = chunks(
                streams,
                listener,
                slot,
                model=body.model,
                include_usage=body.include_usage,
                on_complete=remember,
            )
            return StreamingResponse(body_chunks, media_type="text/event-stream", headers=headers)
        assert opening.listener is not None
        answer = await wait_for_answer(streams, opening.listener, task.session_id, settings.chat_wait_s)
    if answer is None:
        late = error_body(
            f"no answer within {settings.chat_wait_s:g} s; the task runs on", "timeout", "timeout"
        )
        return JSONResponse(
            {**late, "detail": late["error"]["message"], "task_id": task.task_id}, 504, headers=headers
        )
    if answer.status == "error" and answer.error is not None:
        failed = error_body(answer.error.message, "agent_error", answer.error.code)
        return JSONResponse(
            {**failed, "detail": answer.error.message, "task_id": task.task_id}, 502, headers=headers
        )
    if answer.status == "complete":
        await remember(answer.response)
    return JSONResponse(completion(answer, body.model), headers=headers)
