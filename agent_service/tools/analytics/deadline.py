"""A client-side deadline for one whole query: past it, the running statement is cancelled on the server.

Why on the client: a server-side timeout is a setting, and settings can be changed from inside a query
(`set_config('statement_timeout', '0', true)`), or apply per statement (each FETCH of a cursor, each
statement a dblink connection runs) rather than to the whole query. The deadline here starts before the
statement is sent and covers every fetch; nothing in the SQL can reach it. Once past the deadline the
watcher thread calls `cancel` (PostgreSQL cancel request, MariaDB `KILL QUERY`, SQLite `interrupt()`) and
keeps calling it every CANCEL_REPEAT_S until the query call returns, so a cancel that lands between two
fetches is followed by another; the fetch loop also checks `expired` between fetches.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
CANCEL_REPEAT_S = 0.25


class Deadline:
    """`with Deadline(seconds, cancel) as d:` runs `cancel()` from a thread once `seconds` have passed."""

    def __init__(self, seconds: float, cancel: Callable[[], None]) -> None:
        self.seconds = seconds
        self.cancel = cancel
        self.fired = False
        self._done = threading.Event()
        self._at = 0.0
        self._thread: threading.Thread | None = None

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self._at

    def __enter__(self) -> Deadline:
        self._at = time.monotonic() + self.seconds
        self._thread = threading.Thread(target=self._watch, name="query-deadline", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        while not self._done.is_set():
            self.fired = True
            try:
                self.cancel()
            except Exception:  # a failed cancel is retried; the server-side cap is the backstop
                log.debug("query cancel failed", exc_info=True)
            self._done.wait(CANCEL_REPEAT_S)
