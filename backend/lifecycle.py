"""Process lifecycle: draining on SIGTERM without dropping a single task event.

The order a replica leaves in:
  1. SIGTERM → `draining`: /ai/api/health/ready answers 503 at once, everything else still works,
     so the load balancer stops sending new clients while in-flight requests finish.
  2. after SHUTDOWN_DELAY_S → `closing`: every open SSE stream gets a final `retry: 1000` +
     `event: reconnect` frame (no id, it is not a task event) and ends; its client resumes on another
     replica with Last-Event-ID. Then uvicorn stops accepting and waits GRACEFUL_TIMEOUT_S.
Streams are told through `on_close` callbacks (the relay wakes its listeners).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import FrameType

import uvicorn

log = logging.getLogger(__name__)


class Lifecycle:
    def __init__(self) -> None:
        self.draining = False
        """Readiness fails; set on SIGTERM."""
        self.closing = False
        """Open streams must send their reconnect frame and end."""
        self._on_close: list[Callable[[], None]] = []

    def on_close(self, callback: Callable[[], None]) -> None:
        self._on_close.append(callback)

    def begin_drain(self) -> None:
        if not self.draining:
            log.info("draining: readiness now fails")
        self.draining = True

    def begin_close(self) -> None:
        """Call from the event loop thread (callbacks touch asyncio queues)."""
        self.begin_drain()
        if self.closing:
            return
        self.closing = True
        log.info("closing open streams")
        for callback in self._on_close:
            callback()


class GatewayServer(uvicorn.Server):
    """uvicorn.Server with a drain delay between SIGTERM and the real shutdown.

    A signal handler must not touch asyncio objects, so it only flips flags; `on_tick` (uvicorn's
    0.1 s loop callback) performs the close once the delay has passed. A second signal skips the
    delay (and a second SIGINT still forces exit, as in plain uvicorn).
    """

    def __init__(self, config: uvicorn.Config, lifecycle: Lifecycle, delay_s: float) -> None:
        super().__init__(config)
        self.lifecycle = lifecycle
        self.delay_s = delay_s
        self._pending: tuple[int, FrameType | None] | None = None
        self._close_at = 0.0

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:  # already closing: uvicorn no longer ticks; let it force the exit itself
            super().handle_exit(sig, frame)
            return
        if self.lifecycle.draining or self.delay_s <= 0:
            self.lifecycle.draining = True
            self._pending = (sig, frame)
            self._close_at = 0.0
            return
        self.lifecycle.draining = True
        self._pending = (sig, frame)
        self._close_at = time.monotonic() + self.delay_s

    async def on_tick(self, counter: int) -> bool:
        if self._pending is not None and time.monotonic() >= self._close_at:
            sig, frame = self._pending
            self._pending = None
            self.lifecycle.begin_close()
            super().handle_exit(sig, frame)
        return await super().on_tick(counter)
