"""How events reach the terminal: `RichView` for people, `JsonView` for scripts.

RichView keeps the answer as live Markdown (re-rendered as tokens arrive; a `retry` event discards the
partial answer, as the contract says) and prints above it one line per tool step with its SQL, a table
per `data` event and a line for the terminal event. On a terminal that is not a TTY (a pipe, a test)
the answer is printed once, when it is done (or interrupted), with no live display. JsonView prints each event's JSON as received, one per
line, on stdout; its notes (reconnects, cancel) go to stderr so stdout stays parseable.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.markdown import Markdown
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

TABLE_ROWS = 20


class JsonView:
    def __init__(self) -> None:
        self.err = Console(stderr=True)

    def show(self, event: dict) -> None:
        print(json.dumps(event, ensure_ascii=False), flush=True)

    def note(self, text: str) -> None:
        self.err.print(text, style="dim", highlight=False)

    def cancelling(self) -> None:
        """Scripts see every event, also those the run still sends before it stops."""

    def close(self) -> None:
        pass


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def data_table(event: dict) -> Group:
    shown = event["rows"][:TABLE_ROWS]
    more = event["row_count"] - len(shown)
    count = event["row_count"]
    caption = f"{count} row{'' if count == 1 else 's'}" + (f", first {len(shown)} shown" if more > 0 else "")
    if event.get("truncated"):
        caption += " (truncated by the query caps)"
    table = Table(*event["columns"], header_style="bold")
    for row in shown:
        table.add_row(*(_cell(v) for v in row))
    return Group(table, Text(caption, style="dim"))


class RichView:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.answer = ""
        self.stage = ""
        self.live: Live | None = None
        self.quiet = False
        """After Ctrl-C: the answer is no longer wanted, only the run's end."""

    def _render(self) -> Group:
        parts: list[Any] = [Markdown(self.answer)] if self.answer else []
        if self.stage:
            parts.append(Text(self.stage, style="dim italic"))
        return Group(*parts)

    def _refresh(self) -> None:
        if not self.console.is_terminal:
            return
        if self.live is None:
            self.live = Live(self._render(), console=self.console, refresh_per_second=8)
            self.live.start()
        else:
            self.live.update(self._render())

    def _print(self, *renderables: Any) -> None:
        self.console.print(*renderables, highlight=False)

    def cancelling(self) -> None:
        self.quiet = True

    def show(self, event: dict) -> None:
        kind = event["type"]
        if self.quiet and kind in ("token", "progress", "tool", "tool_result", "data"):
            return
        if kind == "session":
            self._print(Text(f"task {event['task_id']} · session {event['session_id']}", style="dim"))
        elif kind == "progress":
            self.stage = f"… {event['message']}"
            self._refresh()
        elif kind == "tool":
            self._tool(event)
        elif kind == "tool_result":
            self._tool_result(event)
        elif kind == "data":
            self._print(data_table(event))
        elif kind == "token":
            self.answer += event["content"]
            self._refresh()
        elif kind == "retry":
            self.answer = ""
            self._print(Text(f"↻ attempt {event['attempt']}: {event['message']}", style="yellow"))
        elif kind == "complete":
            self.answer, self.stage = event["response"], ""
            self._end()
            usage = event.get("usage") or {}
            self._print(
                Text(
                    f"✓ done in {event.get('duration_ms', 0) / 1000:.1f} s · tokens "
                    f"{usage.get('input_tokens', 0)} in / {usage.get('output_tokens', 0)} out",
                    style="dim",
                )
            )
        elif kind == "error":
            self._end()
            self._print(Text(f"✗ {event['code']}: {event['message']}", style="bold red"))
        elif kind == "cancelled":
            self._end()
            self._print(Text(f"■ cancelled: {event.get('message', '')}", style="yellow"))

    def _tool(self, event: dict) -> None:
        args = dict(event.get("arguments") or {})
        sql = args.pop("sql", None)
        line = Text.assemble(("▸ ", "cyan"), (event["name"], "bold cyan"), f"  {event.get('message', '')}")
        if args:
            line.append(f"  {json.dumps(args, ensure_ascii=False)}", style="dim")
        self._print(line)
        if sql:
            self._print(Syntax(sql, "sql", word_wrap=True, background_color="default"))

    def _tool_result(self, event: dict) -> None:
        took = f"{event.get('duration_ms', 0)} ms"
        if event.get("is_error"):
            output = event.get("output")
            text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)
            self._print(Text(f"  ✗ {event['name']} failed ({took}): {text[:300]}", style="red"))
        else:
            self._print(Text(f"  ✓ {event['name']} ({took})", style="dim"))

    def _end(self) -> None:
        """Render the answer a last time and leave it on the screen."""
        self.stage = ""
        if self.live is not None:
            self.live.update(self._render())
            self.live.stop()
            self.live = None
        elif self.answer:
            self._print(Markdown(self.answer))
        self.answer = ""

    def note(self, text: str) -> None:
        self._print(Text(text, style="dim"))

    def close(self) -> None:
        """Stop the live display where it is (an interrupted run keeps its partial answer on screen)."""
        self.stage = ""
        self._end()
        self.quiet = False
