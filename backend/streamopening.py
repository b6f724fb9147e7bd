"""Opening a stream: a stream slot held, then a listener subscribed, until a TaskStream takes both.

Both stream routes open their stream the same way:

    slot = await streams.slots.acquire(principal)      # or .admit(principal).slot for a new chat
    async with StreamOpening(streams, slot) as opening:
        ...                                            # refusals, the enqueue
        await opening.listen(task_id)                  # subscribed before the task can publish
        return opening.stream(headers=...)             # the stream owns the listener and the slot

On every other way out of the block (a refusal, an error, a cancel) the listener and the slot go back
at once, not with the ticker's next batch, so a client refused for capacity can retry without finding
its own slot still held.
"""

from __future__ import annotations

import contextlib

from redis.exceptions import RedisError

from backend.limits import Slot
from backend.relay import Listener
from backend.stream import ClientClose, StreamDeps, TaskStream
from contract import Event


class StreamOpening:
    __slots__ = ("deps", "slot", "listener")

    def __init__(self, deps: StreamDeps, slot: Slot) -> None:
        self.deps = deps
        self.slot: Slot | None = slot
        self.listener: Listener | None = None

    async def __aenter__(self) -> StreamOpening:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        listener, slot, self.listener, self.slot = self.listener, self.slot, None, None
        await give_back(self.deps, listener, slot)

    async def listen(self, task_id: str) -> None:
        """Subscribe to the task's channel (returns once the SUBSCRIBE is confirmed, else 503)."""
        self.listener = await self.deps.relay.listen(task_id)

    def stream(
        self,
        *,
        after_seq: int = -1,
        backlog: bool = True,
        headers: dict[str, str] | None = None,
        on_client_close: ClientClose | None = None,
        first: Event | None = None,
    ) -> TaskStream:
        """The response, which from now on releases the listener and the slot when it ends."""
        assert self.listener is not None, "listen() first"
        listener, slot, self.listener, self.slot = self.listener, self.slot, None, None
        return TaskStream(
            self.deps,
            task_id=listener.task_id,
            listener=listener,
            slot=slot,
            after_seq=after_seq,
            backlog=backlog,
            headers=headers,
            on_client_close=on_client_close,
            first=first,
        )

    def take(self) -> tuple[Listener, Slot | None]:
        """Hand the listener and the slot to a body that gives both back itself (the OpenAI-compatible
        stream, backend/completionstream.py)."""
        assert self.listener is not None, "listen() first"
        listener, slot, self.listener, self.slot = self.listener, self.slot, None, None
        return listener, slot


async def give_back(deps: StreamDeps, listener: Listener | None, slot: Slot | None) -> None:
    """Release a listener and a stream slot at once (a Redis failure leaves the slot to its lease)."""
    if listener is not None:
        await deps.relay.release(listener)
    if slot is not None:
        with contextlib.suppress(RedisError, OSError):
            await deps.slots.release(slot)
