"""The notes MCP server (tests/fakes/notes_server.py) as a real subprocess on a port, for the tests of
servers declared in MCP_SERVERS_FILE: start it, kill it, start it again on the same port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from devstack.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
STDIO_COMMAND = {
    "command": sys.executable,
    "args": ["-m", "tests.fakes.notes_server", "--stdio"],
    "cwd": str(ROOT),
}
"""How a stdio server entry in a catalog starts the same server."""


class NotesServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 30) -> NotesServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.notes_server", "--port", str(self.port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the notes server exited with {self.proc.returncode}") from None
                time.sleep(0.05)
        raise RuntimeError(f"the notes server did not listen on {self.port} within {timeout_s}s")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def __enter__(self) -> NotesServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()
