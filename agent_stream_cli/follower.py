"""Follows one task to its terminal event, across dropped connections.

Every event carries its seq, so after a dropped connection (a network error, a silent connection past
the read timeout, or a gateway that is shutting down and sends `event: reconnect`) the follower reads
the task's events again after the last seq it has shown (`Last-Event-ID`): nothing is shown twice and
nothing is missed, on whichever gateway answers. It gives up after MAX_FAILURES reconnects in a row
that brought no new event.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx2

from agent_stream_cli.gateway import Gateway, GatewayError, frames
from contract.events import TERMINAL_TYPES

MAX_FAILURES = 6
RETRYABLE_STATUS = frozenset({502, 503, 504})


class ConnectionLost(Exception):
    """The task could not be followed to its end (reconnects kept failing)."""


class Follower:
    def __init__(
        self,
        gateway: Gateway,
        show: Callable[[dict], None],
        note: Callable[[str], None],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.gateway = gateway
        self.show = show
        self.note = note
        self.sleep = sleep
        self.task_id: str | None = None
        self.session_id: str | None = None
        self.last_seq: int | None = None
        self.terminal: dict | None = None

    def chat(self, message: str, session_id: str | None) -> dict | None:
        """Start a run and follow it to its end; returns the terminal event (None if it expired)."""
        self.session_id = session_id
        try:
            with self.gateway.chat(message, session_id) as response:
                self.task_id = response.headers["x-task-id"]
                self.session_id = response.headers.get("x-session-id", session_id)
                self._consume(response)
        except httpx2.TransportError as exc:
            if self.task_id is None:
                raise
            self.note(f"connection lost ({type(exc).__name__}); {self._resuming()}")
        return self.follow()

    def resume(self, task_id: str, after: int | None) -> dict | None:
        self.task_id, self.last_seq = task_id, after
        return self.follow()

    def follow(self) -> dict | None:
        assert self.task_id is not None
        failures = 0
        while self.terminal is None:
            before = self.last_seq
            try:
                with self.gateway.events(self.task_id, self.last_seq) as response:
                    if response is None:
                        self.note(f"task {self.task_id}: no more events ({self._status()})")
                        return None
                    self._consume(response)
            except httpx2.TransportError as exc:
                self.note(f"connection lost ({type(exc).__name__})")
            except GatewayError as exc:
                if exc.status not in RETRYABLE_STATUS:
                    raise
                self.note(f"gateway busy ({exc})")
            if self.terminal is not None:
                break
            failures = 0 if self.last_seq != before else failures + 1
            if failures >= MAX_FAILURES:
                raise ConnectionLost(f"task {self.task_id}: gave up after {failures} failed reconnects")
            self.note(self._resuming())
            self.sleep(min(0.25 * 2**failures, 5))
        return self.terminal

    def _resuming(self) -> str:
        after = "the start" if self.last_seq is None else f"seq {self.last_seq}"
        return f"resuming task {self.task_id} after {after}"

    def _status(self) -> str:
        try:
            return f"status {self.gateway.status(self.task_id)}"
        except GatewayError as exc:
            return f"expired or unknown: {exc}"

    def _consume(self, response: httpx2.Response) -> None:
        for frame in frames(response):
            if frame.event == "reconnect":  # the gateway is shutting down: resume elsewhere
                return
            if not frame.data:
                continue
            event = json.loads(frame.data)
            self.last_seq = event["seq"]
            if event["type"] == "session":
                self.session_id = event["session_id"]
            self.show(event)
            if event["type"] in TERMINAL_TYPES:
                self.terminal = event
                return
