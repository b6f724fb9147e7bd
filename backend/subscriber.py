"""The relay's pub/sub connection: one redis-py `Connection` in subscribed mode, read by one task.

Why not redis-py's `PubSub`: its `get_message()` takes every message through a retry wrapper, an
observability hook, a timeout context and a fresh dict. Profiled in the relay-only bench (100 new
chats/s, ≈ 4,200 messages/s) that reader was the gateway's largest block of Python after the socket
writes. Here a message costs one `read_response()` of the connection (hiredis parses it) and one
callback with the reply as it came: `[b"message", channel, data]`, `[b"subscribe", channel, n]`, ...
What `PubSub` gave that this keeps:
- connecting: the same `Connection` class and options as the pub/sub client's pool (URL, AUTH,
  HELLO, TLS, timeouts), only without a socket timeout on reads: a subscriber waits for messages;
  on a Redis Cluster, those of one node, which hears every classic PUBLISH of the cluster; behind
  Sentinels, a connection of contract/sentinelclient.py's class, which asks them for the primary
  each time it connects (its kwargs carry the pool it asks through), so a reconnect after a
  failover lands on the new primary;
- liveness: a PING every `health_s` (answered in subscribed mode by a `pong` reply); when nothing at
  all arrived for three intervals the connection is closed and the reader reconnects;
- re-subscription: after every (re)connect the owner's `on_connect` sends what it needs, and its
  `on_disconnect` hears of every loss first (messages published in between are gone).
Commands are written with `send()` from any task; only the reader task reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError

from contract.logfields import error_text

log = logging.getLogger(__name__)

Reply = list
"""One RESP2 pub/sub reply: a list of bytes and ints."""


class Subscriber:
    def __init__(
        self,
        client: Redis,
        *,
        on_reply: Callable[[Reply], None],
        on_connect: Callable[[], Awaitable[None]],
        on_disconnect: Callable[[], None],
        health_s: float = 10.0,
    ) -> None:
        self._client = client
        self._on_reply = on_reply
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self.health_s = health_s
        self._conn: AbstractConnection | None = None
        self._seen = 0.0
        """When the connection last delivered anything (monotonic)."""
        self._stopping = False

    async def send(self, *args: str | bytes) -> None:
        conn = self._conn
        if conn is None:
            raise RedisConnectionError("pub/sub connection is down")
        await conn.send_command(*args, check_health=False)

    async def _new_connection(self) -> AbstractConnection:
        """A connection like the client's own, without a read timeout (a subscriber waits), in RESP2."""
        pool = getattr(self._client, "connection_pool", None)
        if pool is not None:
            cls, kwargs = pool.connection_class, pool.connection_kwargs
        else:  # a Redis Cluster client: any one node hears every classic PUBLISH
            await self._client.initialize()
            node = self._client.get_default_node()
            cls, kwargs = node.connection_class, node.connection_kwargs
        # RESP2 whatever the client says: the replies are read as plain lists (and with hiredis RESP3
        # push replies leak memory per message, redis-py#4339)
        return cls(**{**kwargs, "socket_timeout": None, "health_check_interval": 0, "protocol": 2})

    async def run(self) -> None:
        """Connect, read until the connection fails, reconnect with backoff; until `stop()`."""
        backoff = 0.1
        while not self._stopping:
            conn: AbstractConnection | None = None
            try:
                conn = await self._new_connection()
                await conn.connect()
                self._conn, self._seen = conn, time.monotonic()
                await self._on_connect()
                backoff = 0.1
                pinger = asyncio.ensure_future(self._ping(conn))
                try:
                    while True:
                        reply = await conn.read_response(timeout=math.inf)
                        self._seen = time.monotonic()
                        if isinstance(reply, list):
                            self._on_reply(reply)
                finally:
                    pinger.cancel()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the reader must outlive any Redis failure
                if not self._stopping:
                    log.warning("relay reader: %s (retrying in %.1fs)", error_text(exc), backoff)
            finally:
                lost = conn is not None and self._conn is conn
                self._conn = None
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.disconnect(nowait=True)
                if lost:
                    self._on_disconnect()
            if not self._stopping:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def _ping(self, conn: AbstractConnection) -> None:
        """PING while idle; close a connection that has said nothing for three intervals."""
        while True:
            await asyncio.sleep(self.health_s)
            if time.monotonic() - self._seen > 3 * self.health_s:
                log.warning("relay reader: no reply for %.0fs; reconnecting", 3 * self.health_s)
                await conn.disconnect(nowait=True)
                return
            with contextlib.suppress(Exception):  # a failed write shows up in the reader
                await conn.send_command("PING", check_health=False)

    def stop(self) -> None:
        self._stopping = True
