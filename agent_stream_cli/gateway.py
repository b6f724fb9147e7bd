"""The three calls the client makes: start a chat, read a task's events after a seq, cancel a task.

Streams are read with httpx2's own SSE decoder (httpx2.EventSource). The read timeout is a few gateway
keep-alive pings (SSE_PING_S, 15 s by default) long, so a connection that went silent without closing
ends in a ReadTimeout, which the caller treats like any other dropped connection: it resumes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

from agent_stream_cli.settings import ClientSettings

API = "/ai/api"
STREAM_TIMEOUT = httpx2.Timeout(10, read=60)


class GatewayError(Exception):
    """The gateway refused a request: its status, its message and any Retry-After."""

    def __init__(self, status: int, detail: str, retry_after: str | None = None) -> None:
        super().__init__(f"{status}: {detail}" + (f" (retry after {retry_after} s)" if retry_after else ""))
        self.status = status
        self.detail = detail


def _detail(response: httpx2.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return detail if isinstance(detail, str) else str(detail)[:300]


def _refuse(response: httpx2.Response) -> GatewayError:
    response.read()
    return GatewayError(response.status_code, _detail(response), response.headers.get("retry-after"))


class Gateway:
    def __init__(self, settings: ClientSettings) -> None:
        self._http = httpx2.Client(
            base_url=settings.url.rstrip("/"), headers=settings.auth_headers(), timeout=STREAM_TIMEOUT
        )

    def close(self) -> None:
        self._http.close()

    @contextmanager
    def chat(self, message: str, session_id: str | None) -> Iterator[httpx2.Response]:
        """POST /chat/stream; the run goes on if this connection drops (it is resumed, not lost)."""
        body = {"message": message, "session_id": session_id, "on_disconnect": "continue"}
        with self._http.stream("POST", f"{API}/chat/stream", json=body) as response:
            if response.status_code != 200:
                raise _refuse(response)
            yield response

    @contextmanager
    def events(self, task_id: str, after: int | None) -> Iterator[httpx2.Response | None]:
        """GET /tasks/{id}/events after the seq `after` (all of them for None); None when the gateway has
        nothing more to send (204: unknown, expired, or already read to the end)."""
        headers = {} if after is None else {"Last-Event-ID": str(after)}
        with self._http.stream("GET", f"{API}/tasks/{task_id}/events", headers=headers) as response:
            if response.status_code == 204:
                yield None
            elif response.status_code != 200:
                raise _refuse(response)
            else:
                yield response

    def cancel(self, task_id: str) -> str:
        response = self._http.post(f"{API}/tasks/{task_id}/cancel", timeout=10)
        if response.status_code not in (200, 202):
            raise _refuse(response)
        return response.json()["status"]

    def status(self, task_id: str) -> str:
        response = self._http.get(f"{API}/tasks/{task_id}", timeout=10)
        if response.status_code != 200:
            raise _refuse(response)
        return response.json()["status"]


def frames(response: httpx2.Response) -> Iterator[httpx2.ServerSentEvent]:
    return iter(httpx2.EventSource(response))
