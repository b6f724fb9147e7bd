"""The worker process: take tasks while a slot is free, run them, survive Redis outages, drain on SIGTERM.

Why it is built this way:
- A slot (asyncio.Semaphore(WORKER_CONCURRENCY)) is taken *before* BLMOVE, so a busy worker leaves
  tasks on agent:tasks for other workers instead of hoarding them in its processing list. After a
  BLMOVE it takes as many more as it has free slots in one call (taskqueue.take_more): one task per
  loop turn was too slow for a loaded loop.
- BLMOVE blocks at most POLL_TIMEOUT_S on the blocking client (socket_timeout above that window).
  Any error (connection loss, or a server reply such as OOM / READONLY / MISCONF) is logged and retried
  with backoff; nothing in the loop can end the process, and `_drain` runs from a finally, so however
  the loop ends, runs in flight are finished or handed back. The first BLMOVE waits for one heartbeat.
- SIGTERM/SIGINT: stop taking tasks, give running tasks DRAIN_TIMEOUT_S to finish, then stop the rest with
  reason "handback" (result.cancel(), no terminal event, task requeued → next attempt shows a RetryEvent),
  delete the heartbeat, SREM (only with an empty processing list: anything left there after a failed
  hand-back must stay reapable), exit 0. A second signal skips the wait.
- MCP servers (tools/servers.py): the analytics server must connect at start-up, a declared one that is
  down costs its agents their tools, never the worker. A bad MCP_SERVERS_FILE exits 1 with one message.
- The MCP tools are converted to the agent's function tools once per connection (execution/registry.py):
  given the server itself, the SDK lists and converts them (strict JSON schema, a deep copy of each) at
  every model turn of every run, 8 % of a worker's CPU with hundreds of runs in flight. The tools still
  call the ToolServer, so reconnects underneath are unchanged.
- Background loops (heartbeat, control subscriber, cancel-flag poll, reaper) are independent tasks, each
  catching its own Redis errors. The heartbeat and lock renewals themselves are sent by a thread
  (liveness.py), so a busy loop cannot make the worker look dead.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import Counter
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

from agent_service.config import Settings
from agent_service.delivery.control import ControlListener
from agent_service.delivery.heartbeat import Heartbeat
from agent_service.delivery.liveness import LivenessThread
from agent_service.delivery.pickup import AgentSetup, TaskDelivery
from agent_service.delivery.reaper import Reaper
from agent_service.delivery.taskqueue import TAKE_BATCH, TaskQueue
from agent_service.errors import CatalogError
from agent_service.execution.registry import advertised
from agent_service.metrics import WorkerMetrics
from agent_service.redis_clients import REDIS_ERRORS, RedisClients
from contract.agents import DEFAULT_AGENT

if TYPE_CHECKING:
    from agent_service.tools.servers import ToolServers

log = logging.getLogger(__name__)

HANDBACK_WAIT_S = 10.0
"""After asking runs to hand back, how long to wait before cancelling their asyncio tasks outright."""


class Worker:
    def __init__(
        self, settings: Settings, clients: RedisClients | None = None, setup: AgentSetup | None = None
    ):
        self.settings = settings
        self.clients = clients or RedisClients.from_settings(settings)
        self.worker_id = settings.worker_id
        self.queue = TaskQueue(self.clients.command, self.clients.blocking, self.worker_id)
        self._setups: dict[str, AgentSetup] | None = {DEFAULT_AGENT: setup} if setup is not None else None
        """Agent name → its setup (execution/registry.py); a given `setup` serves as the default agent."""
        self.tool_servers: ToolServers | None = None
        self.metrics = WorkerMetrics()
        self.delivery = TaskDelivery(
            settings,
            self.clients.command,
            self.queue,
            self._agent_setup,
            metrics=self.metrics,
        )
        self.runs: set[asyncio.Task] = set()
        self.stopping = asyncio.Event()
        sync = self.clients.sync
        self.liveness = LivenessThread(sync, settings, self.delivery.lock_lost) if sync is not None else None
        self.heartbeat = Heartbeat(
            self.clients.command,
            settings,
            self.delivery,
            busy=lambda: len(self.runs),
            accepting=lambda: not self.stopping.is_set(),
            keeper=self.liveness,
            role_warnings=lambda: self.tool_servers.analytics.role_warnings if self.tool_servers else [],
            agents=lambda: advertised(self._setups or {}, self.settings.inputs),
        )
        self.control = ControlListener(
            self.clients.pubsub, self.clients.command, self.delivery, settings.cancel_poll_s
        )
        self.owned: Counter[str] = Counter()
        """Payloads this worker runs, counted: the same payload can be taken twice (the reaper re-queued
        our entry), and one copy finishing must not un-own the other (the orphan sweep would requeue it)."""
        self.reaper = Reaper(self.clients.command, settings, self.queue, self.owned)
        self.hard_stop = asyncio.Event()

    def _agent_setup(self, agent: str) -> AgentSetup | None:
        assert self._setups is not None
        return self._setups.get(agent)

    def request_stop(self) -> None:
        if self.stopping.is_set():
            log.warning("second stop signal: handing running tasks back now")
            self.hard_stop.set()
        else:
            log.info("stop signal: no new tasks; draining %s run(s)", len(self.runs))
        self.stopping.set()

    async def _build_setup(self) -> None:
        """The real agents, their MCP servers, the configured model (imports kept lazy)."""
        from agent_service.execution.registry import start_agents

        self.tool_servers, self._setups = await start_agents(self.settings, self.metrics)

    def _serve_metrics(self) -> WSGIServer | None:
        self.metrics.watch(
            runs=lambda: len(self.runs),
            loop_lag_s=lambda: self.heartbeat.lag_ms / 1000,
            reconnects=lambda: self.tool_servers.reconnects if self.tool_servers else 0,
            sync=self.clients.sync,
        )
        return self.metrics.serve(self.settings.worker_metrics_port, self.settings.worker_metrics_host)

    async def serve(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        log.info(
            "worker %s starting (concurrency %s, model %s)",
            self.worker_id,
            self.settings.worker_concurrency,
            self.settings.model_provider,
        )
        if self._setups is None:
            try:
                await self._build_setup()
            except Exception as exc:
                if isinstance(exc, CatalogError):
                    log.error("%s", exc)
                else:
                    log.exception("could not start the agent (MCP server / model)")
                await self.clients.aclose()
                return 1
        await self._requeue_leftovers()
        metrics_server = self._serve_metrics()
        if self.liveness is not None:
            self.liveness.start()
        background = [
            asyncio.create_task(self.heartbeat.beat_forever(), name="heartbeat"),
            asyncio.create_task(self.control.listen(), name="control"),
            asyncio.create_task(self.control.poll_flags(), name="cancel-poll"),
            asyncio.create_task(self.reaper.sweep_forever(), name="reaper"),
        ]
        try:
            try:
                await self._consume()
            finally:
                await self._drain()  # whatever ended the loop, runs in flight are finished or handed back
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            if self.liveness is not None:  # before the heartbeat is deleted, or it would beat again
                await asyncio.to_thread(self.liveness.stop)
            await self._requeue_leftovers()
            try:
                await self.heartbeat.remove()
            except REDIS_ERRORS:
                log.warning("could not delete the heartbeat (it expires by itself)")
            if self.tool_servers is not None:
                await self.tool_servers.stop()
            if metrics_server is not None:
                await asyncio.to_thread(metrics_server.shutdown)
            await self.clients.aclose()
        log.info("worker %s stopped", self.worker_id)
        return 0

    async def _requeue_leftovers(self) -> None:
        """Put back anything in this worker's processing list no run owns (a restart under the same id)."""
        try:
            for payload in await self.queue.in_processing():
                if payload not in self.owned:
                    await self.queue.requeue(payload)
        except REDIS_ERRORS:
            log.warning("could not requeue this worker's leftover tasks (the reaper will)")

    async def _until_stopping(self, aw) -> object:
        """Await `aw` unless a stop is requested first (then cancel it and return None)."""
        task = asyncio.ensure_future(aw)
        stop = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if task.done():
            return task.result()
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, *REDIS_ERRORS):
            pass
        return None

    async def _register(self) -> bool:
        """One heartbeat (SADD agent:workers) before the first BLMOVE: a worker that dies holding a task
        must already be known to the reaper, or its processing list is never reaped."""
        try:
            await self.heartbeat.beat()
            return True
        except Exception as exc:
            log.warning("first heartbeat failed (%s); not taking tasks yet", type(exc).__name__)
            return False

    async def _consume(self) -> None:
        slots = asyncio.Semaphore(self.settings.worker_concurrency)
        delay = 0.2
        registered = False
        while not self.stopping.is_set():
            if not registered and not (registered := await self._register()):
                await self._until_stopping(asyncio.sleep(delay))
                delay = min(delay * 2, 5.0)
                continue
            if not await self._until_stopping(slots.acquire()):
                break
            try:
                payload = await self._until_stopping(self.queue.take(self.settings.poll_timeout_s))
            except Exception as exc:  # RedisError (OOM, READONLY, connection...) or anything else
                slots.release()
                log.warning("BLMOVE failed (%s); retrying in %.1fs", type(exc).__name__, delay)
                await self._until_stopping(asyncio.sleep(delay))
                delay = min(delay * 2, 5.0)
                continue
            delay = 0.2
            if not payload:
                slots.release()
                continue
            for taken in [payload, *await self._take_more(slots)]:
                if self.stopping.is_set():  # arrived as we were told to stop: give it back at once
                    slots.release()  # (left in the processing list: requeued on the way out)
                    continue
                self.owned[taken] += 1
                task = asyncio.create_task(self._deliver(taken, slots))
                self.runs.add(task)
                task.add_done_callback(self.runs.discard)

    async def _take_more(self, slots: asyncio.Semaphore) -> list[str]:
        """After one BLMOVE: as many more queued tasks as there are free slots (up to TAKE_BATCH), each
        with its slot taken; slots of tasks that were not there are given back."""
        n = 0
        while n < TAKE_BATCH and not slots.locked():
            await slots.acquire()  # immediate while a slot is free
            n += 1
        try:
            more = await self.queue.take_more(n) if n else []
        except Exception as exc:  # the one task we have still runs; the loop's next BLMOVE retries
            log.warning("taking more tasks failed (%s)", type(exc).__name__)
            more = []
        for _ in range(n - len(more)):
            slots.release()
        return more

    async def _deliver(self, payload: str, slots: asyncio.Semaphore) -> None:
        try:
            await self.delivery.deliver(payload)
        finally:
            self.owned[payload] -= 1
            if self.owned[payload] <= 0:
                del self.owned[payload]
            slots.release()

    async def _drain(self) -> None:
        if self.runs and not self.hard_stop.is_set():
            log.info("draining %s run(s) for up to %ss", len(self.runs), self.settings.drain_timeout_s)
            all_done = asyncio.ensure_future(asyncio.wait(set(self.runs)))
            hard = asyncio.ensure_future(self.hard_stop.wait())
            await asyncio.wait(
                {all_done, hard}, timeout=self.settings.drain_timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
            all_done.cancel()
            hard.cancel()
        if self.runs:
            log.warning("handing %s unfinished run(s) back to the queue", len(self.runs))
            self.delivery.stop_all("handback")
            _, pending = await asyncio.wait(set(self.runs), timeout=HANDBACK_WAIT_S)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
