"""The load generator's SSE client: one chat = one new TCP connection, raw asyncio streams.

Why not httpx: at a few hundred streams an httpx client (pool, h11 state machine, header objects, a
task per chunk) costs more CPU per event than the gateway it measures, so on a 2-core machine the
client would set the ceiling. This client writes one HTTP/1.1 request, reads the status line and
headers, de-chunks the body and scans each SSE frame's `data:` line with the event log's own prefix
regex (`peek`: seq and type without parsing the JSON). Only the terminal event is parsed fully
(its usage is the token count of an agent run).

What counts, per chat (`ChatResult`): the HTTP status (anything but 200 is a refusal at the door),
the times to the first event, first token and terminal event, whether the seqs were contiguous from
0 and the stream ended in `complete`. A stream that goes silent past `timeout_s` is a hang.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from contract import TERMINAL_TYPES, peek


@dataclass
class ChatResult:
    status: int = 0
    """HTTP status; 0 when the connection failed before a status line."""
    retry_after: str | None = None
    first_event: float | None = None
    first_type: str | None = None
    """Type of the first event (a new chat's is `session`)."""
    first_token: float | None = None
    total: float | None = None
    events: int = 0
    tokens: int = 0
    terminal: str | None = None
    """Type of the last event (complete | error | cancelled), None when the stream ended without one."""
    error_code: str | None = None
    contiguous: bool = True
    hung: bool = False
    broken: str | None = None
    """Why the connection ended early (reset, EOF mid-stream), if it did."""
    started: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.status == 200

    @property
    def ok(self) -> bool:
        return self.accepted and self.terminal == "complete" and self.contiguous and not self.hung

    @property
    def failed(self) -> bool:
        """Accepted, then not ended well: the one outcome the service promises never happens."""
        return self.accepted and not self.ok


@dataclass
class Hold:
    """Keeps streams open after their first event (idle-stream runs) until `release` is set."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    opened: int = 0
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    """Set each time a stream parks (the opener waits on it)."""


@dataclass
class Target:
    host: str
    port: int
    path: str = "/ai/api/chat/stream"
    api_key: str = "bench"
    extra_headers: dict[str, str] = field(default_factory=dict)

    def request(self, body: dict) -> bytes:
        payload = json.dumps(body).encode()
        head = [
            f"POST {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Accept: text/event-stream",
            "Content-Type: application/json",
            f"Content-Length: {len(payload)}",
            f"X-API-Key: {self.api_key}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in self.extra_headers.items()),
        ]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


async def _head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed before the status line")
    status = int(status_line.split(b" ", 2)[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            return status, headers
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()


async def _chunks(reader: asyncio.StreamReader, headers: dict[str, str]):
    if headers.get("transfer-encoding", "").lower() != "chunked":
        while data := await reader.read(65536):
            yield data
        return
    while True:
        size_line = await reader.readline()
        if not size_line:
            raise ConnectionError("EOF inside a chunked body")
        size = int(size_line.split(b";", 1)[0], 16)
        if size == 0:
            await reader.readline()
            return
        data = await reader.readexactly(size + 2)
        yield data[:-2]


def _frame_data(frame: bytes) -> bytes | None:
    for line in frame.split(b"\n"):
        if line.startswith(b"data:"):
            return line[5:].strip()
    return None


async def run_chat(target: Target, body: dict, timeout_s: float, hold: Hold | None = None) -> ChatResult:
    """One chat, start to end. With `hold`, the stream is kept open after its first event until the
    event is set (idle-stream measurements), then closed by the client."""
    result = ChatResult(started=time.perf_counter())
    t0 = result.started
    writer = None
    try:
        async with asyncio.timeout(timeout_s if hold is None else None):
            reader, writer = await asyncio.open_connection(target.host, target.port, limit=1 << 20)
            writer.write(target.request(body))
            result.status, headers = await _head(reader)
            if result.status != 200:
                result.retry_after = headers.get("retry-after")
                return result
            await _read_stream(reader, headers, result, t0, hold)
    except TimeoutError:
        result.hung = True
    except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
        result.broken = f"{type(exc).__name__}: {exc}"
    finally:
        if writer is not None:
            writer.close()
    return result


async def _read_stream(reader, headers, result: ChatResult, t0: float, hold: Hold | None) -> None:
    buf = b""
    async for chunk in _chunks(reader, headers):
        buf += chunk.replace(b"\r\n", b"\n")
        while (end := buf.find(b"\n\n")) >= 0:
            frame, buf = buf[:end], buf[end + 2 :]
            data = _frame_data(frame)
            if data is None:
                continue  # ping comment or reconnect frame
            _count(result, data, time.perf_counter() - t0)
            if result.terminal is not None:
                result.total = time.perf_counter() - t0
                return
            if hold is not None and result.events == 1:
                hold.opened += 1
                hold.progress.set()
                await hold.release.wait()
                return
    if result.terminal is None:
        result.broken = "stream ended without a terminal event"


def _count(result: ChatResult, data: bytes, now: float) -> None:
    seq, kind = peek(data)
    if seq != result.events:
        result.contiguous = False
    result.events += 1
    if result.first_event is None:
        result.first_event = now
        result.first_type = kind
    if kind == "token":
        if result.first_token is None:
            result.first_token = now
    elif kind in TERMINAL_TYPES:
        result.terminal = kind
        event = json.loads(data)
        if kind == "complete":
            result.tokens = int((event.get("usage") or {}).get("output_tokens") or 0)
        else:
            result.error_code = event.get("code")
