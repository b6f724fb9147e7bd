"""The worker's MCP servers: the bundled analytics and task list servers and every server
MCP_SERVERS_FILE declares, each one supervised connection (tools/supervisor.py), shared by all runs of
the process. Each is built here once, with what is particular to it (the task list's caller and
approval policies are TasksServer's), and named in `by_name`, which is what agent specs name.

Why they start differently: the analytics server is the default agent's and runs from this package, so
a worker without it is misconfigured (a bad DATABASE_URL, say) and exits 1 (ToolServerNotStarted).
Every other server, the task list's included (its own database, TASKS_DATABASE_URL, which should not
take the analytics agent down with it), gets one bounded first attempt (MCP_TIMEOUT_S, all at once, so
start-up waits for the slowest, not their sum) and is otherwise connected in the background for as
long as the worker runs. A server that is down costs the agents using it their tools (see
execution/registry.py), never the worker or the other agents.

The analytics server caches schema lookups in REDIS_URL's Redis (tools/analytics/schemacache.py), with
a plain client of its own: behind Sentinels REDIS_URL's host is not the primary the worker follows, so
there it runs without the cache (it is only a cache).
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from agent_service.config import Settings
from agent_service.metrics import WorkerMetrics
from agent_service.tools.analytics import mcp_params
from agent_service.tools.analyticsclient import AnalyticsServer
from agent_service.tools.catalog import ANALYTICS_SERVER, TASKS_SERVER, Catalog
from agent_service.tools.supervisor import ToolServer
from agent_service.tools.tasks.client import TasksServer

log = logging.getLogger(__name__)


class ToolServers:
    def __init__(self, settings: Settings, catalog: Catalog, metrics: WorkerMetrics | None = None) -> None:
        self._settings = settings
        # behind Sentinels the analytics server gets no Redis (its client reads REDIS_URL alone): no
        # schema cache and no uploaded tables there
        redis_url = None if settings.redis_sentinels else settings.redis_url
        self.analytics = AnalyticsServer(settings, mcp_params(settings, redis_url), metrics)
        self.by_name: dict[str, ToolServer] = {
            ANALYTICS_SERVER: self.analytics,
            TASKS_SERVER: TasksServer(settings, metrics),
        }
        """Server name → its supervised connection (what agent specs name)."""
        for declared in catalog.servers:
            make = partial(declared.client, settings.mcp_timeout_s)
            self.by_name[declared.name] = ToolServer(declared.name, make, settings, metrics)

    @property
    def others(self) -> list[ToolServer]:
        """Every server but the analytics one (started without being waited for)."""
        return [s for s in self.by_name.values() if s is not self.analytics]

    async def start(self) -> None:
        """The analytics server connected (or ToolServerNotStarted, with every server stopped), each
        other one tried once."""
        for server in self.others:
            server.launch()
        try:
            await self.analytics.start()
        except BaseException:
            await self.stop()
            raise
        await asyncio.gather(*(s.tried(self._settings.mcp_timeout_s) for s in self.others))
        for server in self.others:
            if not server.ready:
                log.warning("MCP server %s is down; its agents lack its tools until it connects", server.name)

    async def stop(self) -> None:
        await asyncio.gather(*(s.stop() for s in self.by_name.values()))

    @property
    def reconnects(self) -> int:
        """Connections opened after each server's first, over all servers (a metric)."""
        return sum(max(s.connects - 1, 0) for s in self.by_name.values())
