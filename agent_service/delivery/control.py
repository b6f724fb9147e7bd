"""Cancel requests reaching the run they name: one agent:control subscriber per worker, plus a poll.

Why both: the gateway PUBLISHes a ControlCommand and also sets the task hash field cancel=1. Pub/sub
is the fast path (the run is stopped with result.cancel() within milliseconds), but it is lossy: a
message published while this worker's subscription is reconnecting is gone. So every CANCEL_POLL_S the
worker also reads the cancel flag of each task it runs (one pipelined round trip for all of them).
One subscriber per process — never one per run, which would cost a Redis connection each — reading
with get_message(timeout=1) in one task, so the wait is bounded and the connection's health-check PING
is serviced; it reconnects with backoff when Redis goes away.
"""

from __future__ import annotations

import asyncio
import logging

from pydantic import ValidationError
from redis.asyncio import Redis

from agent_service.delivery.pickup import TaskDelivery
from agent_service.redis_clients import REDIS_ERRORS
from contract import ControlCommand, TaskField, keys

log = logging.getLogger(__name__)


class ControlListener:
    def __init__(self, pubsub_client: Redis, command: Redis, delivery: TaskDelivery, poll_s: float) -> None:
        self.pubsub_client = pubsub_client
        self.command = command
        self.delivery = delivery
        self.poll_s = poll_s
        self.subscribed = asyncio.Event()
        """Set while the subscription is live (tests wait on it before publishing)."""

    def handle(self, data: bytes) -> None:
        try:
            cmd = ControlCommand.model_validate_json(data)
        except ValidationError:
            log.warning("ignoring a malformed control message")
            return
        if cmd.action == "cancel" and self.delivery.stop(cmd.task_id, "cancel"):
            log.info("cancel requested via agent:control", extra={"task_id": cmd.task_id})

    async def listen(self) -> None:
        """Subscribe to agent:control forever (until cancelled), resubscribing after Redis outages."""
        delay = 0.2
        while True:
            try:
                async with self.pubsub_client.pubsub(ignore_subscribe_messages=True) as ps:
                    await ps.subscribe(keys.CONTROL_CHANNEL)
                    self.subscribed.set()
                    delay = 0.2
                    while True:
                        msg = await ps.get_message(timeout=1.0)
                        if msg and msg.get("type") == "message":
                            self.handle(msg["data"])
            except asyncio.CancelledError:
                raise
            except REDIS_ERRORS as exc:
                self.subscribed.clear()
                log.warning("control subscription lost (%s); retrying in %.1fs", type(exc).__name__, delay)
            except Exception:
                self.subscribed.clear()
                log.exception("control subscription failed; retrying in %.1fs", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def poll_flags(self) -> None:
        """Fallback: stop runs whose task hash says cancel=1 (pub/sub message lost). Never dies."""
        while True:
            await asyncio.sleep(self.poll_s)
            task_ids = list(self.delivery.active)
            if not task_ids:
                continue
            try:
                async with self.command.pipeline(transaction=False) as pipe:
                    for tid in task_ids:
                        pipe.hget(keys.task(tid), TaskField.CANCEL)
                    flags = await pipe.execute()
            except REDIS_ERRORS as exc:  # includes ResponseError (OOM, READONLY): the poll must live on
                log.debug("cancel-flag poll failed (%s)", type(exc).__name__)
                continue
            except Exception:
                log.exception("cancel-flag poll failed")
                continue
            for tid, flag in zip(task_ids, flags, strict=True):
                if flag == "1":
                    self.delivery.stop(tid, "cancel")
