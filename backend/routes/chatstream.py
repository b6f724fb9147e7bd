"""POST /ai/api/chat/stream served without FastAPI's per-request dependency solving.

The route is declared in routes/chat.py (the OpenAPI schema, the docs, the schema fuzz tests are
about that declaration) and served by `ChatStreamApp`, a plain ASGI app the router tries first:
the same endpoint function (`chat.chat_stream`) with its arguments resolved here in straight code —
the principal as `require_principal` finds it, the body as FastAPI would validate it, the stores
from app.state. Why: in a profile of the relay-only bench (short chats at 100/s), FastAPI's
dependency solving and its request/response wrappers were the largest block of Python in the
gateway's fixed cost per chat, the one route where that cost is paid per chat.
Refusals raise what the dependencies raise (ApiError, RequestValidationError, RedisError), inside
the same middleware and exception handlers, so the status, headers and JSON are the same.
"""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from backend.auth import principal_of
from backend.routes.chat import chat_stream, checked_body
from backend.schemas import ChatRequest

PATH = "/ai/api/chat/stream"


def chat_request(raw: bytes) -> ChatRequest:
    """The body as FastAPI validates a lone JSON body parameter (errors located under "body")."""
    if not raw:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
        )
    try:
        return ChatRequest.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


class ChatStreamApp:
    """The ASGI app of the route (a class instance, so Starlette calls it as is)."""

    def __init__(self) -> None:
        self.route = Route(PATH, self, methods=["POST"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self.route  # the metrics' route label, as FastAPI's routes set it
        request = Request(scope, receive)
        state = request.app.state
        raw = await request.body()  # FastAPI's order: the body (413), the principal (401), then 422
        principal = await principal_of(request)
        body = await checked_body(chat_request(raw), state.settings)
        response = await chat_stream(request, principal, body, state.streams, state.tasks, state.admission)
        await response(scope, receive, send)


def routes() -> list[Route]:
    return [ChatStreamApp().route]
