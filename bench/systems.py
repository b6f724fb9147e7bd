"""The systems under test, each started as real processes on its own ports with its own redis-server.

- `agent_stack`: `python -m backend` + N × `python -m agent_service` (the demo model, or an
  OpenAI-compatible endpoint through `worker_env`): the product as a user runs it.
- `relay_only`: `python -m backend` + the synthetic producer (bench/producer.py): the gateway's own cost.
- `stock_relay`: bench/stockrelay.py + the same producer: the baseline.
- `direct`: bench/direct.py alone: the floor.
- `fake_openai` + `openai_stack`: the scripted OpenAI-compatible server (tests/fakes/openai_server.py)
  answering every model call after a fixed latency, and the product's stack pointed at it.
Every system gets a fresh redis-server (devstack's embedded one, maxclients raised for the
idle-stream runs), so no run inherits another's keys or connections. `System.relay_pid` is the
process whose CPU and RSS are reported as "gateway".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from bench.answer import Answer
from devstack.processes import ROOT, Proc, Stack, spawn, wait_http
from devstack.redis_server import RedisServer, free_port

API_KEY = "bench"
LOG_DIR = ROOT / "var" / "bench" / "logs"
GATEWAY_ENV = {
    "API_KEYS": API_KEY,
    "RATE_LIMIT": "100000000/minute",
    "KEY_RATE_LIMIT": "100000000/minute",
    "MAX_STREAMS_PER_KEY": "1000000",
    "LOG_LEVEL": "WARNING",
}
WORKER_ENV = {"LOG_LEVEL": "WARNING"}


@dataclass
class System:
    name: str
    host: str
    port: int
    relay: Proc
    redis: RedisServer | None = None
    workers: list[Proc] = field(default_factory=list)
    helpers: list[Proc] = field(default_factory=list)

    @property
    def relay_pid(self) -> int:
        return self.relay.pid

    def redis_client(self) -> Redis | None:
        return Redis(port=self.redis.port) if self.redis else None

    def procs(self) -> list[Proc]:
        return [self.relay, *self.workers, *self.helpers]

    def dead(self) -> list[str]:
        return [p.name for p in self.procs() if not p.alive()]

    def stop(self) -> None:
        for proc in self.procs():
            proc.stop(timeout=10)
        if self.redis:
            self.redis.stop()


def _redis() -> RedisServer:
    server = RedisServer().start()
    Redis(port=server.port).config_set("maxclients", 19000)
    return server


def _log_dir(name: str) -> Path:
    path = LOG_DIR / f"{name}-{time.strftime('%H%M%S')}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _wait_ready(proc: Proc, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "READY" in proc.log():
            return
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited:\n{proc.log()[-3000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"{proc.name} not ready after {timeout}s")


def _producer(redis: RedisServer, answer: Answer, logs: Path) -> Proc:
    proc = spawn("producer", "bench.producer", {}, logs, f"--redis-url={redis.url}", *answer.as_args())
    _wait_ready(proc)
    return proc


def agent_stack(
    workers: int, *, gateway_env: dict | None = None, worker_env: dict | None = None, name: str = "agent"
) -> System:
    redis = _redis()
    logs = _log_dir(name)
    stack = Stack(redis_url=redis.url, log_dir=logs)
    try:
        port = free_port()
        url = stack.start_gateway(port, **GATEWAY_ENV, **(gateway_env or {}))
        for _ in range(workers):
            stack.start_worker(**WORKER_ENV, **(worker_env or {}))
        stack.wait_workers(workers, url)
    except BaseException:
        stack.stop()
        redis.stop()
        raise
    return System(name, "127.0.0.1", port, stack.gateways[0], redis, workers=stack.workers)


def relay_only(answer: Answer, gateway_env: dict | None = None) -> System:
    redis = _redis()
    logs = _log_dir("relay")
    stack = Stack(redis_url=redis.url, log_dir=logs)
    port = free_port()
    stack.start_gateway(port, **GATEWAY_ENV, **(gateway_env or {}))
    producer = _producer(redis, answer, logs)
    return System("gateway", "127.0.0.1", port, stack.gateways[0], redis, helpers=[producer])


def stock_relay(answer: Answer) -> System:
    redis = _redis()
    logs = _log_dir("stock")
    port = free_port()
    relay = spawn("stock-relay", "bench.stockrelay", {}, logs, f"--redis-url={redis.url}", f"--port={port}")
    wait_http(f"http://127.0.0.1:{port}/ai/api/health/live", proc=relay)
    producer = _producer(redis, answer, logs)
    return System("stock", "127.0.0.1", port, relay, redis, helpers=[producer])


def direct(answer: Answer) -> System:
    logs = _log_dir("direct")
    port = free_port()
    relay = spawn("direct", "bench.direct", {}, logs, f"--port={port}", *answer.as_args())
    _wait_ready(relay)
    return System("direct", "127.0.0.1", port, relay)


def fake_openai(latency_ms: int) -> tuple[Proc, str]:
    """The scripted OpenAI-compatible server as its own process; returns it and its base URL."""
    logs = _log_dir("fake-openai")
    proc = spawn("fake-openai", "tests.fakes.openai_server", {}, logs, f"--latency-ms={latency_ms}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in proc.log().splitlines():
            if line.startswith("READY "):
                return proc, line.split(" ", 1)[1].strip()
        if not proc.alive():
            break
        time.sleep(0.05)
    proc.stop()
    raise RuntimeError(f"fake OpenAI server not ready:\n{proc.log()[-3000:]}")


def openai_stack(workers: int, base_url: str, concurrency: int) -> System:
    """The gateway + `workers` workers whose model is the OpenAI-compatible server at `base_url`."""
    env = {
        "MODEL_PROVIDER": "openai",
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "bench",
        "WORKER_CONCURRENCY": str(concurrency),
        "HEARTBEAT_INTERVAL_S": "0.5",  # finer samples of running runs and loop lag
    }
    return agent_stack(workers, worker_env=env, gateway_env={"MAX_QUEUE_DEPTH": "100000"}, name="openai")
