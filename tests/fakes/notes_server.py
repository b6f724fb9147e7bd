"""A tiny real MCP server (mcp's MCPServer) for the configured-servers tests: a second tool server next to
the bundled analytics one, over streamable HTTP or stdio.

Tools:
- `lookup_note(topic)`: "Note on <topic>: ..." (read-only).
- `record_visit(seconds=0)`: counts its calls (not idempotent: a resent call would count twice), waits
  `seconds` first, and answers with the count.
- `drop_everything()`: what an allow-list should hide from the model.

Subprocess: `python -m tests.fakes.notes_server --port N` serves streamable HTTP at
http://127.0.0.1:N/mcp (tests/support/notes.py starts it and waits for the port); `--stdio` serves on
stdin/stdout.
"""

from __future__ import annotations

import argparse
import asyncio

from mcp.server.mcpserver import MCPServer

server = MCPServer("notes", instructions="The team's notes.")
visits = 0


@server.tool()
def lookup_note(topic: str) -> str:
    """The team's note on a topic."""
    return f"Note on {topic}: the launch checklist lives in the wiki under Releases."


@server.tool()
async def record_visit(seconds: float = 0) -> str:
    """Record one visit (each call counts) and say how many there were."""
    global visits
    await asyncio.sleep(seconds)
    visits += 1
    return f"visits: {visits}"


@server.tool()
def drop_everything() -> str:
    """Delete every note."""
    return "everything dropped"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--stdio", action="store_true")
    args = parser.parse_args()
    if args.stdio:
        server.run("stdio")
        return
    server.run("streamable-http", host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
