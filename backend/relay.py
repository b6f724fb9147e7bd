"""Live fan-out of task events: ONE pub/sub connection and ONE reader task per gateway process.

Why this shape:
- A PubSub per request leaks connections and multiplies Redis clients; one shared subscriber with
  SUBSCRIBE on a channel's first local listener and UNSUBSCRIBE after its last (the reader sends one
  UNSUBSCRIBE for all channels left in the last UNSUBSCRIBE_EVERY_S) costs one connection per
  process however many streams are open (no PSUBSCRIBE: every replica would get all traffic).
- Each listener has its own bounded inbox (a list plus one waiter future). A shared queue would let
  streams steal each other's events.
- The reader never waits on a client: it appends, and when a listener's inbox is full it is
  marked `lagging` and no longer fed. Its stream then catches up from the event log (the truth;
  pub/sub is only a fast doorbell). A slow client can therefore neither block other streams nor
  grow the subscriber's Redis output buffer until Redis kills the shared connection.
- The connection is backend/subscriber.py's: one reader task takes each reply straight off the
  socket (no per-message timeout context or retry wrapper), PINGs while idle and reconnects.
- The connection always holds one base subscription (keys.CONTROL_CHANNEL, whose rare cancel
  commands are ignored here), so a connection without any stream still answers its PINGs in
  subscribed mode.
- Redis restarts: the reader reconnects with backoff and re-subscribes every channel that still
  has listeners. Messages published during the gap are lost, so every listener is marked lagging
  at the loss: its stream re-reads the log (the truth) once it is fed again.
- The pub/sub connection does not decode (backend/connections.py): a message's data goes to the
  listeners, and on to the clients, as the bytes it arrived as; only the channel name is decoded.
`listen()` returns only after Redis confirmed the SUBSCRIBE, so a caller that subscribes before it
enqueues cannot miss the first live event (redis/redis#1089).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict

from redis.asyncio import Redis

from backend.errors import unavailable
from backend.subscriber import Reply, Subscriber
from contract import keys

log = logging.getLogger(__name__)

UNSUBSCRIBE_EVERY_S = 0.2


class Listener:
    """One open stream's inbox for one task: a bounded list and at most one waiter future.

    Cheaper than an asyncio.Queue (no getter/putter deques, no per-wait timeout) and than a deque
    (an empty deque holds a 64-slot block: ~600 bytes per idle stream): the reader appends and
    resolves the waiter, the stream takes the whole inbox at once; everything else that needs the
    stream's attention (the process-wide ticker, a client disconnect, shutdown) calls `wake()`."""

    __slots__ = ("task_id", "channel", "queue", "size", "lagging", "since", "_waiter")

    def __init__(self, task_id: str, size: int) -> None:
        self.task_id = task_id
        self.channel = keys.task_channel(task_id)
        self.queue: list[bytes] = []
        self.size = size
        self.lagging = False
        """Set by the reader when the inbox overflowed; the stream must re-read the log."""
        self.since = 0.0
        """When the oldest message in the inbox arrived (monotonic): the relay lag's start."""
        self._waiter: asyncio.Future[None] | None = None

    def push(self, data: bytes) -> bool:
        """Called by the reader. False (and `lagging`) when the inbox is full."""
        if len(self.queue) >= self.size:
            self.lagging = True
            self.wake()
            return False
        if not self.queue:
            self.since = time.monotonic()
        self.queue.append(data)
        self.wake()
        return True

    def take_all(self) -> list[bytes]:
        """Everything queued, oldest first; the inbox is empty afterwards."""
        taken, self.queue = self.queue, []
        return taken

    def wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    interrupt = wake

    async def wait(self) -> None:
        """Until a message arrives or someone calls `wake()` (returns at once if one is queued)."""
        if self.queue or self.lagging:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def next(self, wait_s: float) -> bytes | None:
        """The next live message, or None after `wait_s` or a wake-up without one."""
        if not self.queue:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_s):
                    await self.wait()
        return self.queue.pop(0) if self.queue else None


class _Channel:
    __slots__ = ("listeners", "ready")

    def __init__(self) -> None:
        self.listeners: set[Listener] = set()
        self.ready: asyncio.Event | None = asyncio.Event()
        """Set, then dropped (None), once Redis confirmed the SUBSCRIBE."""


class Relay:
    def __init__(self, client: Redis, *, queue_size: int, subscribe_timeout_s: float, retry_after_s: int = 5):
        self.client = client
        self.queue_size = queue_size
        self.subscribe_timeout_s = subscribe_timeout_s
        self.retry_after_s = retry_after_s
        self.subscriber = Subscriber(
            client, on_reply=self._dispatch, on_connect=self._subscribe_all, on_disconnect=self._lost
        )
        self._channels: dict[str, _Channel] = {}
        self._pending: defaultdict[str, int] = defaultdict(int)
        self._orphans: set[str] = set()
        """Channels whose last listener left, to UNSUBSCRIBE (batched; retried after a failure)."""
        self._flush: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Future[None] | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False

    # lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self.subscriber.run(), name="relay-reader")

    async def stop(self) -> None:
        # Flag, then cancel, then a bounded wait: on Python 3.11 a cancel that lands as a read's own
        # timeout fires can be swallowed (asyncio wait_for/timeout race), and the loop must still end.
        self._stopping = True
        self.subscriber.stop()
        if self._flush is not None:
            self._flush.cancel()
        if self._flushing is not None:
            self._flushing.cancel()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=3)
        with contextlib.suppress(Exception):
            await self.client.aclose()

    def interrupt_all(self) -> None:
        """Wake every listener (shutdown): its stream checks the lifecycle at once."""
        for channel in self._channels.values():
            for listener in channel.listeners:
                listener.interrupt()

    @property
    def channel_count(self) -> int:
        return len(self._channels)

    # subscriptions -------------------------------------------------------------------------------

    async def listen(self, task_id: str) -> Listener:
        """Register a listener; returns once the channel's SUBSCRIBE is confirmed (else 503)."""
        try:
            await asyncio.wait_for(self._connected.wait(), self.subscribe_timeout_s)
        except TimeoutError:
            raise unavailable("live event relay unavailable, try again shortly", self.retry_after_s) from None
        listener = Listener(task_id, self.queue_size)
        name = listener.channel
        channel = self._channels.get(name)
        if channel is None:
            channel = self._channels[name] = _Channel()
            channel.listeners.add(listener)
            self._orphans.discard(name)
            self._pending[name] += 1
            try:
                await self.subscriber.send("SUBSCRIBE", name)
            except BaseException:
                self._pending[name] -= 1
                await self.release(listener)
                raise
        else:
            channel.listeners.add(listener)
        try:
            if channel.ready is not None:
                await asyncio.wait_for(channel.ready.wait(), self.subscribe_timeout_s)
        except TimeoutError:
            await self.release(listener)
            raise unavailable("live event relay unavailable, try again shortly", self.retry_after_s) from None
        except BaseException:  # cancelled while waiting (client gone, forced shutdown): no leak
            await asyncio.shield(self.release(listener))
            raise
        return listener

    async def release(self, listener: Listener) -> None:
        name = listener.channel
        channel = self._channels.get(name)
        if channel is None or listener not in channel.listeners:
            return
        channel.listeners.discard(listener)
        if channel.listeners:
            return
        del self._channels[name]
        self._orphans.add(name)  # unsubscribed in batches, UNSUBSCRIBE_EVERY_S after the first
        if self._flush is None and not self._stopping:
            self._flush = asyncio.get_running_loop().call_later(UNSUBSCRIBE_EVERY_S, self._flush_orphans)

    def resume(self, listener: Listener) -> None:
        """The stream is about to re-read the log: feed it live messages again from now on.

        Whatever is still queued was published before this call, so the log read that follows
        covers it: drop it now to free the memory and the queue room."""
        listener.lagging = False
        listener.queue.clear()

    # reader --------------------------------------------------------------------------------------

    async def _subscribe_all(self) -> None:
        """On every (re)connect: the base channel and every channel that has listeners."""
        names = list(self._channels)
        for name in names:
            self._pending[name] += 1
        await self.subscriber.send("SUBSCRIBE", keys.CONTROL_CHANNEL, *names)
        self._connected.set()

    def _lost(self) -> None:
        """The connection is gone, and with it whatever was published until the reconnect."""
        self._connected.clear()
        self._pending.clear()
        self._orphans.clear()
        for channel in self._channels.values():
            for listener in channel.listeners:
                listener.lagging = True
                listener.wake()

    def _flush_orphans(self) -> None:
        self._flush = None
        if self._orphans:  # held until done: the loop keeps only a weak reference to a task
            self._flushing = asyncio.ensure_future(self._unsubscribe_orphans())

    def _dispatch(self, reply: Reply) -> None:
        kind = reply[0]
        if kind == b"message":
            channel = self._channels.get(reply[1].decode())
            if channel is None:
                return
            data = reply[2]
            for listener in channel.listeners:
                if listener.lagging:
                    continue
                if not listener.push(data):
                    log.info(
                        "listener of task %s lagging: it catches up from the event log", listener.task_id
                    )
        elif kind == b"subscribe":
            name = reply[1].decode()
            if name not in self._pending:
                return
            self._pending[name] = max(0, self._pending[name] - 1)
            channel = self._channels.get(name)
            if channel is not None and self._pending[name] == 0:
                if channel.ready is not None:
                    channel.ready.set()
                    channel.ready = None
                else:  # subscribed again after a reconnect: what was published before is in the log
                    for listener in channel.listeners:
                        listener.lagging = True
                        listener.wake()
            if self._pending[name] == 0:
                del self._pending[name]

    async def _unsubscribe_orphans(self) -> None:
        names = [name for name in self._orphans if name not in self._channels]
        self._orphans.clear()
        if names:
            try:
                await self.subscriber.send("UNSUBSCRIBE", *names)
            except Exception as exc:  # the connection is down: its loss dropped every subscription
                log.info("relay: unsubscribe skipped: %s", exc)
