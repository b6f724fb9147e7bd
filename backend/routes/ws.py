"""WebSocket /ai/api/ws: the same chats, events and limits as SSE, over one socket.

Client → server (JSON text frames):
    {"type": "auth", "api_key"?: "...", "token"?: "<jwt>"}   first, when the handshake carried no
                                                             X-API-Key / Authorization (browsers cannot
                                                             set headers on a WebSocket); within AUTH_S
    {"type": "chat", <the body of POST /chat/stream>}         start a turn; its events follow
    {"type": "resume", "task_id", "last_seq"?: -1}            the task's events after last_seq, then live
    {"type": "cancel", "task_id"}                             stop the run (idempotent)
    {"type": "ping"}                                          → {"type": "pong"}
Server → client: every event exactly as SSE's `data:` (each carries `task_id` and `seq`), several tasks
interleaved on one socket; {"type": "refused", "status", "detail", "task_id"?, "limit"?,
"retry_after_s"?} for a message the gateway refuses (the same 401/404/409/413/422/429/503 as the HTTP
routes, and nothing is queued); {"type": "pong"}. Auth failure closes with code 4401 (policy: 1008 is
for bad frames). The gateway's protocol-level pings (uvicorn) keep the socket alive through proxies.

Each followed task holds a stream slot like an SSE stream (the same per-user and per-key caps) until its
terminal event or the socket's end. A socket that goes away stops following its tasks; their runs go on,
except a chat sent with "on_disconnect": "cancel".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import ValidationError
from redis.exceptions import RedisError

from backend.auth import require_principal
from backend.chatturn import start_turn
from backend.errors import ApiError, not_found
from backend.follower import follow
from backend.messageparts import check_size
from backend.principal import Principal
from backend.schemas import ChatRequest
from backend.streamopening import StreamOpening, give_back

log = logging.getLogger(__name__)

router = APIRouter(prefix="/ai/api", tags=["websocket"])

AUTH_S = 10.0
UNAUTHORIZED = 4401


def refused(exc: ApiError, task_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "refused", "status": exc.status_code, "detail": exc.detail, **exc.extra}
    if task_id:
        body["task_id"] = task_id
    if "Retry-After" in exc.headers:
        body["retry_after_s"] = int(exc.headers["Retry-After"])
    return body


async def _principal(ws: WebSocket) -> Principal:
    """From the handshake's headers, else from a first `auth` message."""
    api_key = ws.headers.get("x-api-key")
    scheme, _, credentials = (ws.headers.get("authorization") or "").partition(" ")
    if not api_key and not credentials:
        try:
            first = json.loads(await asyncio.wait_for(ws.receive_text(), AUTH_S))
        except (TimeoutError, ValueError):
            raise ApiError(401, 'send {"type": "auth", "api_key" or "token"} first') from None
        if not isinstance(first, dict) or first.get("type") != "auth":
            raise ApiError(401, 'send {"type": "auth", "api_key" or "token"} first')
        api_key, scheme, credentials = first.get("api_key"), "Bearer", first.get("token") or ""
    bearer = HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials) if credentials else None
    return await require_principal(ws, api_key, bearer)  # type: ignore[arg-type]


class Socket:
    """One connection: its principal, the tasks it follows, and one lock for sending."""

    def __init__(self, ws: WebSocket, principal: Principal) -> None:
        self.ws = ws
        self.principal = principal
        self.deps = ws.app.state.streams
        self.tasks = ws.app.state.tasks
        self.admission = ws.app.state.admission
        self.following: dict[str, asyncio.Task] = {}
        self.cancel_on_leave: set[str] = set()
        self._send = asyncio.Lock()

    async def send(self, body: dict[str, Any] | str) -> None:
        async with self._send:
            await self.ws.send_text(body if isinstance(body, str) else json.dumps(body))

    async def handle(self, raw: str) -> None:
        message: Any = None
        try:
            message = json.loads(raw)
            kind = message.get("type") if isinstance(message, dict) else None
        except ValueError:
            kind = None
        try:
            if kind == "chat":
                await self._chat(message)
            elif kind == "resume":
                await self._resume(str(message.get("task_id", "")), int(message.get("last_seq", -1)))
            elif kind == "cancel":
                await self._cancel(str(message.get("task_id", "")))
            elif kind == "ping":
                await self.send({"type": "pong"})
            else:
                raise ApiError(422, "a message is JSON with type chat, resume, cancel or ping")
        except ApiError as exc:
            if exc.status_code in (429, 503):
                self.deps.metrics.refused(exc.status_code, exc.reason)
            await self.send(refused(exc, message.get("task_id") if isinstance(message, dict) else None))
        except ValidationError as exc:
            await self.send(refused(ApiError(422, "; ".join(e["msg"] for e in exc.errors()))))
        except (ValueError, TypeError):
            await self.send(refused(ApiError(422, "last_seq must be an integer event seq")))
        except (RedisError, OSError) as exc:
            log.warning("websocket: redis unavailable: %s", type(exc).__name__)
            retry = self.deps.settings.busy_retry_after_s
            await self.send(
                refused(ApiError(503, "Service temporarily unavailable", headers={"Retry-After": str(retry)}))
            )

    async def _chat(self, message: dict[str, Any]) -> None:
        body = ChatRequest.model_validate({k: v for k, v in message.items() if k != "type"})
        check_size(body, self.deps.settings)
        admitted = await self.deps.slots.admit(self.principal)
        async with StreamOpening(self.deps, admitted.slot) as opening:
            task, _ = await start_turn(
                self.ws, self.principal.owner, body, self.tasks, self.admission, opening
            )  # type: ignore[arg-type]
            if body.on_disconnect == "cancel":
                self.cancel_on_leave.add(task.task_id)
            self._follow(task.task_id, *opening.take(), -1)

    async def _resume(self, task_id: str, last_seq: int) -> None:
        record = await self.tasks.get(task_id)
        if record is None or record.owner != self.principal.owner:
            raise not_found("Task")
        slot = await self.deps.slots.acquire(self.principal)
        async with StreamOpening(self.deps, slot) as opening:
            await opening.listen(task_id)
            self._follow(task_id, *opening.take(), max(last_seq, -1))

    async def _cancel(self, task_id: str) -> None:
        record = await self.tasks.owned(task_id, self.principal.owner)
        if not record.finished:
            await self.tasks.cancel(task_id, record)

    def _follow(self, task_id: str, listener, slot, after_seq: int) -> None:
        async def relay() -> None:
            metrics = self.deps.metrics
            metrics.open_streams.inc()
            try:
                async for event in follow(self.deps, listener, after_seq):
                    if event is not None:
                        await self.send(event.model_dump_json())
                        metrics.events_relayed.inc()
            finally:
                metrics.open_streams.dec()
                if self.following.get(task_id) is asyncio.current_task():  # not a resume's replacement
                    del self.following[task_id]
                    self.cancel_on_leave.discard(task_id)
                await give_back(self.deps, listener, slot)

        previous = self.following.pop(task_id, None)
        if previous is not None:
            previous.cancel()
        self.following[task_id] = asyncio.create_task(relay(), name=f"ws-follow-{task_id}")

    async def close(self) -> None:
        for task_id in list(self.cancel_on_leave):
            with contextlib.suppress(ApiError, RedisError, OSError):
                await self._cancel(task_id)
        tasks = list(self.following.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@router.websocket("/ws")
async def websocket(ws: WebSocket) -> None:
    await ws.accept()
    try:
        principal = await _principal(ws)
    except ApiError as exc:
        await ws.send_text(json.dumps(refused(exc)))
        await ws.close(code=UNAUTHORIZED)
        return
    socket = Socket(ws, principal)
    try:
        while True:
            await socket.handle(await ws.receive_text())
    except WebSocketDisconnect:
        pass
    finally:
        await socket.close()
