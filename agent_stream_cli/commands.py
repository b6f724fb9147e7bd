"""The `agent-stream` command line: `chat` (one question, an interactive conversation, or `--resume`) and
`cancel`. Ctrl-C during a run cancels that run on the gateway (POST /tasks/{id}/cancel) and waits for
its `cancelled` event; a second Ctrl-C stops waiting. Ctrl-C or Ctrl-D at the interactive prompt exits.

Exit status: 0 the run completed, 1 it ended in error (or was cancelled elsewhere), 130 it was
cancelled with Ctrl-C, 2 the gateway refused or could not be reached, 3 the task's events expired.
"""

from __future__ import annotations

import argparse
import sys

import httpx2

from agent_stream_cli.follower import ConnectionLost, Follower
from agent_stream_cli.gateway import Gateway, GatewayError
from agent_stream_cli.settings import ClientSettings
from agent_stream_cli.views import JsonView, RichView

INTERRUPTED = 130
EXIT_BY_TERMINAL = {"complete": 0, "error": 1, "cancelled": 1}


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", help="gateway base URL (env AGENT_STREAM_URL; default http://127.0.0.1:8000)"
    )
    common.add_argument("--api-key", help="API key sent as X-API-Key (env AGENT_STREAM_API_KEY)")
    common.add_argument("--token", help="bearer token, when no API key is given (env AGENT_STREAM_TOKEN)")
    common.add_argument("--json", action="store_true", help="print each event as one JSON line (for scripts)")
    parser = argparse.ArgumentParser(prog="agent-stream", description="Chat with the agent gateway.")
    commands = parser.add_subparsers(dest="command", required=True)
    chat = commands.add_parser(
        "chat", parents=[common], help="ask a question; without one, an interactive conversation"
    )
    chat.add_argument("question", nargs="?", help="the question (omit it for interactive mode)")
    chat.add_argument("--session", help="continue this conversation (a session id)")
    chat.add_argument("--resume", metavar="TASK_ID", help="follow an existing task instead of asking")
    chat.add_argument(
        "--after", type=int, metavar="SEQ", help="with --resume: show the events after this seq only"
    )
    cancel = commands.add_parser("cancel", parents=[common], help="cancel a task")
    cancel.add_argument("task_id")
    return parser


def _settings(args: argparse.Namespace) -> ClientSettings:
    flags = {"url": args.url, "api_key": args.api_key, "token": args.token}
    return ClientSettings(**{k: v for k, v in flags.items() if v is not None})


class Session:
    """One invocation: the gateway client, the view, and the conversation the next question continues."""

    def __init__(self, gateway: Gateway, view: JsonView | RichView, session_id: str | None) -> None:
        self.gateway = gateway
        self.view = view
        self.session_id = session_id

    def _follower(self) -> Follower:
        return Follower(self.gateway, self.view.show, self.view.note)

    def ask(self, question: str) -> int:
        follower = self._follower()
        code = self._interruptible(follower, lambda: follower.chat(question, self.session_id))
        self.session_id = follower.session_id or self.session_id
        return code

    def resume(self, task_id: str, after: int | None) -> int:
        follower = self._follower()
        return self._interruptible(follower, lambda: follower.resume(task_id, after))

    def _interruptible(self, follower: Follower, run) -> int:
        try:
            return self._exit_code(run())
        except KeyboardInterrupt:
            self.view.close()
            return self._cancel(follower)
        finally:
            self.view.close()

    def _cancel(self, follower: Follower) -> int:
        if follower.task_id is None:
            self.view.note("interrupted before the gateway answered: nothing to cancel")
            return INTERRUPTED
        status = self.gateway.cancel(follower.task_id)
        self.view.note(f"Ctrl-C: cancelling task {follower.task_id} ({status})")
        self.view.cancelling()
        try:
            follower.follow()
        except KeyboardInterrupt:
            self.view.note("not waiting for the cancel to take effect")
        return INTERRUPTED

    @staticmethod
    def _exit_code(terminal: dict | None) -> int:
        return 3 if terminal is None else EXIT_BY_TERMINAL[terminal["type"]]

    def interactive(self) -> int:
        prompt = "you> " if sys.stdin.isatty() else ""
        code = 0
        while True:
            try:
                line = input(prompt).strip()
            except (EOFError, KeyboardInterrupt):
                return code
            if line in ("/exit", "/quit"):
                return code
            if line:
                code = self.ask(line)


def _run(args: argparse.Namespace, gateway: Gateway) -> int:
    view = JsonView() if args.json else RichView()
    if args.command == "cancel":
        view.note(f"task {args.task_id}: {gateway.cancel(args.task_id)}")
        return 0
    session = Session(gateway, view, args.session)
    if args.resume:
        return session.resume(args.resume, args.after)
    if args.question:
        return session.ask(args.question)
    return session.interactive()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = _settings(args)
    gateway = Gateway(settings)
    try:
        return _run(args, gateway)
    except GatewayError as exc:
        print(f"agent-stream: the gateway refused: {exc}", file=sys.stderr)
    except ConnectionLost as exc:
        print(f"agent-stream: {exc}", file=sys.stderr)
    except httpx2.TransportError as exc:
        print(f"agent-stream: cannot reach {settings.url}: {type(exc).__name__}: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return INTERRUPTED
    finally:
        gateway.close()
    return 2
