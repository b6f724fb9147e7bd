"""A real 3-master Redis Cluster from the `redis-server` and `redis-cli` binaries, for tests.

Three `redis-server --cluster-enabled yes` on free ports (each with its own cluster bus port, set
with --cluster-port so it need not be port + 10000), joined by `redis-cli --cluster create
--cluster-replicas 0`, ready once every node reports cluster_state:ok. No replicas: the tests check
what runs on a cluster (slots, scripts, transactions, pub/sub across nodes), not failover.
`redis_cluster` is the session fixture (imported by tests/conftest.py); `clean_cluster` flushes every
master before a test and yields an asyncio client that decodes, like both services' command clients.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis
import redis.asyncio.cluster as aiocluster

from devstack.redis_server import find_redis_server, free_port

NODES = 3


class RedisClusterServers:
    def __init__(self, nodes: int = NODES) -> None:
        self.ports = [free_port() for _ in range(nodes)]
        self.dir = Path(tempfile.mkdtemp(prefix="redis-cluster-"))
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        """One node's URL: what REDIS_URL names with REDIS_CLUSTER=true."""
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def start(self, timeout: float = 30) -> RedisClusterServers:
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> RedisClusterServers:
        binary = find_redis_server()
        for port in self.ports:
            node_dir = self.dir / str(port)
            node_dir.mkdir()
            # fmt: off
            args = [
                binary, "--port", str(port), "--cluster-port", str(free_port()), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", str(node_dir / "nodes.conf"),
                "--cluster-node-timeout", "2000", "--dir", str(node_dir), "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
            ]
            # fmt: on
            self.procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port in self.ports:
            self._wait(lambda p=port: redis.Redis(port=p).ping(), timeout, f"node {port} answering")
        cli = shutil.which("redis-cli") or str(Path(binary).with_name("redis-cli"))
        subprocess.run(
            [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports)]
            + ["--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        for port in self.ports:
            self._wait(lambda p=port: self._ok(p), timeout, f"node {port} cluster_state:ok")
        return self

    @staticmethod
    def _ok(port: int) -> bool:
        info = redis.Redis(port=port, decode_responses=True).execute_command("CLUSTER", "INFO")
        return "cluster_state:ok" in info

    @staticmethod
    def _wait(check, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except redis.RedisError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"Redis Cluster: timed out waiting for {what}")

    def flushall(self) -> None:
        for port in self.ports:
            redis.Redis(port=port).flushall()

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_cluster():
    servers = RedisClusterServers().start()
    yield servers
    servers.stop()


@pytest.fixture
async def clean_cluster(redis_cluster):
    """The cluster, flushed, and an asyncio RedisCluster client that decodes replies."""
    redis_cluster.flushall()
    client = aiocluster.RedisCluster.from_url(redis_cluster.url, decode_responses=True)
    yield client
    await client.aclose()
