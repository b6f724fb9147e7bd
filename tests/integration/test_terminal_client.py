"""The terminal client (`agent-stream`, agent_stream_cli/) as a user runs it: a real process against the
real stack (redis-server, `python -m backend`, a `python -m agent_service` worker with the demo model at
a slow token rate, so a run lasts long enough to interrupt or to cut its connection)."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading

import httpx2
import pytest
from stack_kit import LiveStack, seqs_contiguous
from support.keys import HEADERS_A, KEY_A

from backend.devtoken import mint
from contract.events import parse_event

pytestmark = pytest.mark.integration

QUESTION = "How many customers are there?"
JWT = {
    "JWT_SECRET": "terminal-client-test-secret-of-32-bytes!",
    "JWT_ISSUER": "cli-test",
    "JWT_AUDIENCE": "gw",
}


@pytest.fixture(scope="module")
def live():
    with LiveStack(worker_env={"DEMO_TOKENS_PER_S": "10"}, gateway_env=JWT) as stack:
        stack.gateway()
        stack.worker()
        stack.wait_workers(1)
        yield stack


class Cli:
    """`python -m agent_stream_cli ...` with AGENT_STREAM_URL/API_KEY set, its stdout read line by line."""

    def __init__(self, url: str, *args: str, stdin: str | None = None, auth: dict | None = None) -> None:
        env = {
            **os.environ,
            "AGENT_STREAM_URL": url,
            "COLUMNS": "120",
            **(auth or {"AGENT_STREAM_API_KEY": KEY_A}),
        }
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "agent_stream_cli", *args],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        if stdin is not None:
            self.popen.stdin.write(stdin)
            self.popen.stdin.close()
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.out: list[str] = []

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next_line(self, timeout: float = 60) -> str:
        line = self.lines.get(timeout=timeout)
        assert line is not None, self.finish()
        self.out.append(line)
        return line

    def next_event(self, timeout: float = 60) -> dict:
        return json.loads(self.next_line(timeout))

    def finish(self, timeout: float = 90) -> tuple[int, str, str]:
        try:
            code = self.popen.wait(timeout=timeout)
        finally:
            if self.popen.poll() is None:
                self.popen.kill()
        while (line := self.lines.get(timeout=10)) is not None:
            self.out.append(line)
        return code, "".join(self.out), self.popen.stderr.read()


def events_of(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def run(url: str, *args: str, stdin: str | None = None, auth: dict | None = None) -> tuple[int, str, str]:
    return Cli(url, *args, stdin=stdin, auth=auth).finish()


def task_status(url: str, task_id: str) -> str:
    response = httpx2.get(f"{url}/ai/api/tasks/{task_id}", headers=HEADERS_A, timeout=10)
    return response.json()["status"]


def test_chat_prints_the_answer_and_each_tool_step_with_its_sql(live):
    code, out, err = run(live.urls[0], "chat", QUESTION)
    assert code == 0, err
    _, final, _ = run(live.urls[0], "chat", QUESTION, "--json")
    answer = events_of(final)[-1]["response"]
    number = next(word for word in answer.replace("*", " ").split() if word.isdigit())
    assert number in out
    assert "run_query" in out and "SELECT" in out.upper()
    assert "done in" in out


def test_json_prints_one_parseable_event_per_line_ending_in_complete(live):
    code, out, err = run(live.urls[0], "chat", QUESTION, "--json")
    assert code == 0, err
    events = [parse_event(line) for line in out.splitlines()]
    assert events[0].type == "session" and events[-1].type == "complete"
    assert seqs_contiguous([e.model_dump() for e in events])
    assert "".join(e.content for e in events if e.type == "token") == events[-1].response


def test_session_flag_continues_the_conversation(live):
    _, first, _ = run(live.urls[0], "chat", QUESTION, "--json")
    session_id = events_of(first)[0]["session_id"]
    code, second, err = run(live.urls[0], "chat", "And how many orders?", "--json", "--session", session_id)
    assert code == 0, err
    assert events_of(second)[0]["session_id"] == session_id


def test_interactive_mode_asks_each_line_in_one_conversation(live):
    code, out, err = run(live.urls[0], "chat", "--json", stdin=f"{QUESTION}\nAnd how many orders?\n")
    assert code == 0, err
    events = events_of(out)
    sessions = [e["session_id"] for e in events if e["type"] == "session"]
    assert len(sessions) == 2 and sessions[0] == sessions[1]
    assert [e["type"] for e in events].count("complete") == 2


def test_sigint_cancels_the_run_and_says_so(live):
    cli = Cli(live.urls[0], "chat", QUESTION, "--json")
    while (event := cli.next_event())["type"] != "token":
        pass
    cli.popen.send_signal(signal.SIGINT)
    code, out, err = cli.finish()
    assert code == 130, err
    assert events_of(out)[-1]["type"] == "cancelled"
    assert "cancelling task" in err
    assert task_status(live.urls[0], event["task_id"]) == "cancelled"


def test_sigint_in_the_rich_view_cancels_and_says_so_on_screen(live):
    cli = Cli(live.urls[0], "chat", QUESTION)
    task_id = cli.next_line().split()[1]  # "task <id> · session <id>"
    while "run_query" not in cli.next_line():
        pass
    cli.popen.send_signal(signal.SIGINT)
    code, out, err = cli.finish()
    assert code == 130, err
    assert f"cancelling task {task_id}" in out and "cancelled" in out.splitlines()[-1]
    assert task_status(live.urls[0], task_id) == "cancelled"


def test_resume_prints_the_events_after_the_given_seq(live):
    _, out, _ = run(live.urls[0], "chat", QUESTION, "--json")
    task_id = events_of(out)[0]["task_id"]
    code, resumed, err = run(live.urls[0], "chat", "--resume", task_id, "--after", "3", "--json")
    assert code == 0, err
    events = events_of(resumed)
    assert events[0]["seq"] == 4 and seqs_contiguous(events, start=4)
    assert events == events_of(out)[4:]


class CuttableProxy:
    """A TCP proxy to the gateway whose open connections the test can cut (new ones still pass)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open: list[socket.socket] = []
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.open += [client, upstream]
            self.accepted += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        for s in self.open:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.open = []

    def close(self) -> None:
        self.cut()
        self.server.close()


def test_a_dropped_connection_resumes_after_the_last_seq_and_completes(live):
    gateway_port = int(live.urls[0].rsplit(":", 1)[1])
    proxy = CuttableProxy(gateway_port)
    try:
        cli = Cli(f"http://127.0.0.1:{proxy.port}", "chat", QUESTION, "--json")
        while cli.next_event()["type"] != "token":
            pass
        proxy.cut()
        code, out, err = cli.finish()
    finally:
        proxy.close()
    assert code == 0, err
    events = events_of(out)
    assert seqs_contiguous(events) and events[-1]["type"] == "complete"
    assert "".join(e["content"] for e in events if e["type"] == "token") == events[-1]["response"]
    assert "resuming task" in err and proxy.accepted >= 2


def test_unknown_key_is_refused_with_the_gateways_message(live):
    code, _, err = run(live.urls[0], "chat", QUESTION, "--api-key", "wrong-key")
    assert code == 2
    assert "refused: 401" in err


def test_a_bearer_token_from_the_environment_authenticates_as_its_user(live):
    from backend.config import Settings

    settings = Settings(
        jwt_secret=JWT["JWT_SECRET"], jwt_issuer=JWT["JWT_ISSUER"], jwt_audience=JWT["JWT_AUDIENCE"]
    )
    token = mint(settings, "ada")
    code, out, err = run(live.urls[0], "chat", QUESTION, "--json", auth={"AGENT_STREAM_TOKEN": token})
    assert code == 0, err
    task_id = events_of(out)[0]["task_id"]
    as_key = httpx2.get(f"{live.urls[0]}/ai/api/tasks/{task_id}", headers=HEADERS_A, timeout=10)
    assert as_key.status_code == 404  # the task is ada's, not the key's
