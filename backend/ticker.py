"""The process-wide ticker: all the timed work of open streams, done in one pass for all of them.

Why one ticker and not a timer per stream: with thousands of open streams that are mostly silent
(a slow model, a task queued behind another), per-stream timers cost one loop wake-up each per
slice and one or two Redis commands each per STREAM_GAP_S: the idle streams alone kept a core and
Redis busy. So a stream only ever waits on its listener (backend/relay.py), and this one task:
  - wakes the streams whose keep-alive ping is due (they write it themselves);
  - ends a stream whose client stopped reading: a send pending past SSE_SEND_TIMEOUT_S (the write
    buffer is full, uvicorn waits for it to drain) cancels that stream's task;
  - checks the streams that were quiet for STREAM_GAP_S in one batched Lua call per 500 streams (on
    a Redis Cluster, where one script reaches one slot, a pipeline of one call per stream):
    each stream's task status and its event log's last seq. Only a stream that may have missed an
    event (the log is ahead of its cursor: a lost pub/sub message), whose task vanished or finished,
    or that a watchdog may have to end is woken to re-read the log and run its checks
    (backend/stream.py); the others cost nothing more. The watchdogs' cue: a queued task silent for
    QUEUE_TIMEOUT_S, or a running one silent that long while no worker at all is alive (one read of
    the heartbeats per pass, and only when such a stream exists: a slow model's silent streams must
    not each poll the workers every STREAM_GAP_S);
  - refreshes the stream-cap leases of every open stream (in its user's and its key's set) in one pipeline per STREAM_LEASE_S / 3,
    and gives back the slots of the streams that ended since the last tick in one pipeline (a slot
    is free again at most one tick after its stream ended; on shutdown the last ones are flushed).
A Redis error in a pass is logged and the pass is retried on the next tick; pings go on meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from redis.exceptions import RedisError

from backend.capacity import live_beats
from backend.config import Settings
from backend.limits import Slot, StreamSlots
from contract import TaskField, TaskStatus, keys, queue_timed_out

if TYPE_CHECKING:
    from backend.stream import TaskStream

log = logging.getLogger(__name__)

BATCH = 500
FINISHED = {status.value for status in TaskStatus if status.finished}
ENDED = {"", *FINISHED}
"""Statuses the quiet check reports for a task that ended or whose hash is gone ('')."""
RUNNING = TaskStatus.RUNNING.value

# KEYS: task hash, event log, task hash, event log, ...; ARGV[1]: the status field.
# Returns per task: its status ('' when the hash is gone) and the log's last seq (-1: empty log).
_QUIET = """
local out = {}
for i = 1, #KEYS, 2 do
  local status = redis.call('HGET', KEYS[i], ARGV[1])
  local last = redis.call('XREVRANGE', KEYS[i + 1], '+', '-', 'COUNT', 1)
  local seq = -1
  if #last > 0 then seq = tonumber(string.match(last[1][1], '^(%d+)')) end
  out[#out + 1] = status or ''
  out[#out + 1] = seq
end
return out
"""


class Ticker:
    def __init__(self, redis: Redis, slots: StreamSlots, settings: Settings) -> None:
        self.redis = redis
        self.slots = slots
        self.gap_s = settings.stream_gap_s
        self.queue_timeout_s = settings.queue_timeout_s
        self.refresh_s = settings.stream_lease_s / 3
        self.interval_s = min(0.5, max(0.02, settings.stream_gap_s / 4))
        self.streams: set[TaskStream] = set()
        self._ended: list[Slot] = []
        self._quiet = redis.register_script(_QUIET)
        self.cluster = settings.redis_cluster
        self._task: asyncio.Task | None = None
        self._next_refresh = time.monotonic() + self.refresh_s

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="stream-ticker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({self._task}, timeout=3)
        with contextlib.suppress(RedisError, OSError):
            await self._release_ended()

    def release_slot(self, slot: Slot) -> None:
        """A stream ended: its slot goes back (from the user's and the key's set) with the next
        tick's batch."""
        self._ended.append(slot)

    async def _release_ended(self) -> None:
        if self._ended:
            ended, self._ended = self._ended, []
            try:
                await self.slots.release_many(ended)
            except BaseException:
                self._ended += ended  # retried next tick; the leases expire on their own anyway
                raise

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.tick(time.monotonic())
            except (RedisError, OSError) as exc:
                log.warning("stream ticker: redis error %s: %s", type(exc).__name__, exc)
            except Exception:  # the ticker must outlive anything one pass does
                log.exception("stream ticker pass failed")

    async def tick(self, now: float) -> None:
        quiet = []
        for stream in self.streams:
            if 0 < stream.send_deadline <= now:
                stream.stall()
            elif stream.next_ping <= now:
                stream.listener.wake()
            if stream.quiet_until <= now and not stream.recheck:
                quiet.append(stream)
        for start in range(0, len(quiet), BATCH):
            await self._check_quiet(quiet[start : start + BATCH], now)
        if now >= self._next_refresh:
            self._next_refresh = now + self.refresh_s
            held = [s.slot for s in self.streams if s.slot is not None]
            if held:
                await self.slots.refresh_many(held)
        await self._release_ended()

    async def _check_quiet(self, quiet: list[TaskStream], now: float) -> None:
        names = []
        for stream in quiet:
            names += (keys.task(stream.task_id), keys.task_events(stream.task_id))
        if not self.cluster:
            reply = await self._quiet(keys=names, args=[TaskField.STATUS])
        else:  # one script call per task: a cluster script reaches one slot
            async with self.redis.pipeline(transaction=False) as pipe:
                for task_key, log_key in zip(names[::2], names[1::2], strict=True):
                    pipe.eval(_QUIET, 2, task_key, log_key, TaskField.STATUS)
                reply = [value for row in await pipe.execute() for value in row]
        silent_running = []
        for i, stream in enumerate(quiet):
            status, seq = reply[2 * i], int(reply[2 * i + 1])
            stream.quiet_until = now + self.gap_s
            silent = queue_timed_out(stream.progress_at, now, self.queue_timeout_s)
            if seq > stream.last or status in ENDED:
                self._recheck(stream)
            elif silent and status == RUNNING:
                silent_running.append(stream)
            elif silent:  # queued: expire_if_unclaimed decides
                self._recheck(stream)
        if silent_running and not await live_beats(self.redis):
            for stream in silent_running:
                self._recheck(stream)

    @staticmethod
    def _recheck(stream: TaskStream) -> None:
        stream.recheck = True
        stream.listener.wake()
