"""How fast this worker frees slots while it has none to spare: the rate the gateway predicts queue
waits from (WorkerBeat.drain_per_s, contract/workers.py).

Why measured and not derived from the mean run time: concurrency / run time assumes a run takes as
long with every slot busy as it did when fewer were. A CPU-bound worker (hundreds of runs against a
fast model) slows every run down as more run at once, so that figure over-promised exactly when the
queue was deep. This meter counts the payloads the worker finished (each frees a slot) and, at every
heartbeat, closes the interval since the previous one: when every slot was taken at its start, the
runs that ended in it were limited by the worker, not by arrivals, and the interval is kept as a
sample. The drain rate is the runs ended over the time covered by the most recent samples (up to
WINDOW_S of saturated time, none older than STALE_S). Intervals that started with a slot free say
nothing about capacity (the rate was the arrival rate) and are skipped. Why the start and not both
ends: runs that started together end together, and the interval in which a wave of them ends has
free slots at its end; skipping it measured only the quiet middle of each wave (1/s for a worker
that completed 30/s).
"""

from __future__ import annotations

import time
from collections import deque

WINDOW_S = 30.0
"""Saturated time the rate is averaged over (long enough for slow runs to end in it)."""
STALE_S = 300.0
"""Samples older than this are dropped: they describe another load."""
MIN_INTERVAL_S = 0.5
"""Shorter intervals are merged into the next one."""


class Throughput:
    def __init__(self) -> None:
        self._samples: deque[tuple[float, float, int]] = deque()
        """(when, seconds, runs ended) per saturated interval, oldest first."""
        self._ended = 0
        self._since = time.monotonic()
        self._was_full = False

    def ended(self) -> None:
        """A payload was finished (a slot is free again)."""
        self._ended += 1

    def sample(self, busy: int, concurrency: int) -> None:
        """Close the interval since the last sample (called once per heartbeat)."""
        now = time.monotonic()
        elapsed = now - self._since
        if elapsed < MIN_INTERVAL_S:
            return
        full = concurrency > 0 and busy >= concurrency
        if self._was_full:
            self._samples.append((now, elapsed, self._ended))
        self._was_full, self._ended, self._since = full, 0, now
        covered = sum(s[1] for s in self._samples)
        while self._samples and (
            covered - self._samples[0][1] >= WINDOW_S or now - self._samples[0][0] > STALE_S
        ):
            covered -= self._samples.popleft()[1]

    @property
    def drain_per_s(self) -> float:
        """Runs ended per second while saturated; 0 = not measured (never saturated lately). When
        none ended in the window, fewer than one did: 1 / window."""
        covered = sum(s[1] for s in self._samples)
        if not covered:
            return 0.0
        return max(sum(s[2] for s in self._samples), 1) / covered
