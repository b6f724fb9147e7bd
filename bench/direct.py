"""The direct path: the synthetic answer served straight from the producer, no Redis, no gateway.

    python -m bench.direct --port PORT [--tokens 200 --tokens-per-s 40 ...]

A bare asyncio HTTP server: it reads the request, answers 200 with a chunked text/event-stream and
writes `session` then the `Answer`'s events as SSE frames, with seqs, paced like the producer. What
a client sees here is the floor: latency and CPU that any relay adds are measured against it.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid

from bench import answer as answer_mod
from contract import SessionEvent

HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-store\r\n"
    b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
)


def _chunk(seq: int, data: str) -> bytes:
    frame = f"id: {seq}\ndata: {data}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(frame), frame)


def _with_seq(event, seq: int) -> str:
    return event.model_copy(update={"seq": seq}).model_dump_json()


class DirectServer:
    def __init__(self, answer: answer_mod.Answer) -> None:
        self.answer = answer

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            task_id, session_id = uuid.uuid4().hex, uuid.uuid4().hex
            writer.write(HEAD + _chunk(0, _with_seq(SessionEvent(task_id=task_id, session_id=session_id), 0)))
            seq = 1
            async for event in self.answer.events(task_id, session_id):
                writer.write(_chunk(seq, _with_seq(event, seq)))
                await writer.drain()
                seq += 1
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def serve(port: int, answer: answer_mod.Answer) -> None:
    server = await asyncio.start_server(DirectServer(answer).handle, "127.0.0.1", port, backlog=4096)
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    answer_mod.add_arguments(parser)
    args = parser.parse_args()
    asyncio.run(serve(args.port, answer_mod.from_args(args)))


if __name__ == "__main__":
    main()
