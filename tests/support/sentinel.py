"""A real Sentinel-managed Redis from the `redis-server` binary, for tests: a primary, one replica
(`--replicaof`) and three Sentinels (`redis-server sentinel.conf --sentinel`, quorum 2), on free ports
in a temp dir. down-after-milliseconds is 1000 and failover-timeout 5000, so after the primary dies
the replica is promoted within a few seconds.

`kill_primary()` SIGKILLs the current primary (no shutdown, no last write); `wait_failover(old)` waits
until every Sentinel names another primary and that server says it is one. `redis_sentinel` is a
module fixture for tests that do not fail over (imported by tests/conftest.py); a test that kills the
primary starts its own `RedisSentinelServers` (`sentinel_servers()`).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from devstack.redis_server import find_redis_server, free_port

MASTER_NAME = "agentmaster"
SENTINELS = 3


class RedisSentinelServers:
    def __init__(self, sentinels: int = SENTINELS) -> None:
        self.data_ports = [free_port(), free_port()]
        """The first starts as the primary, the second as its replica."""
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.dir = Path(tempfile.mkdtemp(prefix="redis-sentinel-"))
        self.procs: dict[int, subprocess.Popen] = {}
        self.binary = find_redis_server()

    @property
    def sentinels(self) -> str:
        """What REDIS_SENTINELS names."""
        return ",".join(f"127.0.0.1:{p}" for p in self.sentinel_ports)

    @property
    def env(self) -> dict[str, str]:
        """The settings that point both services at these Sentinels."""
        return {"REDIS_SENTINELS": self.sentinels, "REDIS_SENTINEL_MASTER": MASTER_NAME}

    @property
    def url(self) -> str:
        """REDIS_URL for the services (its host and port are ignored behind Sentinels): the first primary."""
        return f"redis://127.0.0.1:{self.data_ports[0]}/0"

    def start(self, timeout: float = 30) -> RedisSentinelServers:
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> RedisSentinelServers:
        primary, replica = self.data_ports
        self._server(primary)
        self._server(replica, "--replicaof", "127.0.0.1", str(primary))
        _wait(lambda: _info(replica).get("master_link_status") == "up", timeout, "the replica in sync")
        for port in self.sentinel_ports:
            conf = self.dir / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.dir}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {primary} 2\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
                f"sentinel failover-timeout {MASTER_NAME} 5000\n"
                f"sentinel parallel-syncs {MASTER_NAME} 1\n"
            )
            self._spawn(port, [self.binary, str(conf), "--sentinel", "--loglevel", "warning"])
        for port in self.sentinel_ports:
            _wait(lambda p=port: self._sees_everyone(p), timeout, f"sentinel {port} to see the others")
        return self

    def _server(self, port: int, *extra: str) -> None:
        node_dir = self.dir / str(port)
        node_dir.mkdir(exist_ok=True)
        # fmt: off
        args = [
            self.binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(node_dir), "--save", "",
            "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
            "--repl-diskless-sync-delay", "0", *extra,
        ]
        # fmt: on
        self._spawn(port, args)
        _wait(lambda: _client(port).ping(), 10, f"redis-server {port} answering")

    def _spawn(self, port: int, args: list[str]) -> None:
        log = open(self.dir / f"{port}.log", "ab")
        self.procs[port] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def _sees_everyone(self, port: int) -> bool:
        with _client(port) as sentinel:
            state = sentinel.sentinel_master(MASTER_NAME)
        return state["num-slaves"] >= 1 and state["num-other-sentinels"] >= len(self.sentinel_ports) - 1

    def primary_port(self) -> int:
        """The primary's port as the first Sentinel names it."""
        return _named_primary(self.sentinel_ports[0])

    def primary(self) -> redis.Redis:
        """A client of the current primary that decodes replies."""
        return redis.Redis(port=self.primary_port(), decode_responses=True)

    def kill_primary(self) -> int:
        """SIGKILL the current primary; its port."""
        port = self.primary_port()
        proc = self.procs.pop(port)
        proc.kill()
        proc.wait()
        return port

    def wait_failover(self, old_port: int, timeout: float = 30) -> int:
        """Wait until every Sentinel names a primary other than `old_port` and it is one; its port."""

        def switched() -> bool:
            named = {_named_primary(p) for p in self.sentinel_ports}
            return len(named) == 1 and old_port not in named and _info(named.pop())["role"] == "master"

        _wait(switched, timeout, f"a failover away from {old_port}")
        return self.primary_port()

    def wait_settled(self, timeout: float = 30) -> None:
        """Wait until every live server but the primary replicates from it (a demoted primary that
        is still up is converted by the Sentinels some seconds after the failover)."""
        primary = self.primary_port()

        def settled() -> bool:
            others = [p for p in self.procs if p in self.data_ports and p != primary]
            return all(
                _info(p).get("master_port") == primary and _info(p).get("master_link_status") == "up"
                for p in others
            )

        _wait(settled, timeout, "every replica to follow the new primary")

    def flushall(self) -> None:
        self.primary().flushall()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.dir.glob("*.log")))

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = {}
        shutil.rmtree(self.dir, ignore_errors=True)


def _client(port: int) -> redis.Redis:
    return redis.Redis(port=port, decode_responses=True, socket_timeout=2)


def _named_primary(sentinel_port: int) -> int:
    with _client(sentinel_port) as sentinel:
        return int(sentinel.sentinel_get_master_addr_by_name(MASTER_NAME)[1])


def _info(port: int) -> dict:
    with _client(port) as server:
        return server.info("replication")


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.RedisError, KeyError):
            if check():
                return
        time.sleep(0.05)
    raise RuntimeError(f"Redis Sentinel: timed out waiting for {what}")


@contextlib.contextmanager
def sentinel_servers() -> Iterator[RedisSentinelServers]:
    """A fresh primary, replica and Sentinels, stopped afterwards (for a test that fails over)."""
    servers = RedisSentinelServers().start()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="module")
def redis_sentinel():
    with sentinel_servers() as servers:
        yield servers
