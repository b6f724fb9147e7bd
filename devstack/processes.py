"""Gateway and worker child processes, started the way a user starts them (`python -m ...`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devstack.redis_server import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.kill(self.popen.pid, sig)

    def stop(self, timeout: float = 15) -> int | None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def spawn(
    name: str, module: str, env: dict[str, str], log_dir: Path, *args: str, detached: bool = False
) -> Proc:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    if os.environ.get("COVERAGE_PROCESS_START"):
        full_env["COVERAGE_PROCESS_START"] = os.environ["COVERAGE_PROCESS_START"]
    with open(log_path, "ab") as out:
        popen = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=detached,
        )
    return Proc(name, popen, log_path)


def wait_http(url: str, timeout: float = 30, proc: Proc | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited early:\n{proc.log()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception as exc:
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout}s: {last}")


@dataclass
class Stack:
    """A gateway (or several) and N workers against one Redis."""

    redis_url: str
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path = field(default_factory=lambda: ROOT / "var" / "logs")
    gateways: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    detached: bool = False
    """Children in their own sessions: a terminal's Ctrl-C reaches only the launcher, which then
    stops them in order (workers first, so they hand unfinished runs back)."""

    def base_env(self) -> dict[str, str]:
        return {"REDIS_URL": self.redis_url, **self.env}

    def start_gateway(self, port: int | None = None, **extra: str) -> str:
        port = port or free_port()
        name = f"gateway-{len(self.gateways)}"
        env = {**self.base_env(), "HOST": "127.0.0.1", "PORT": str(port), **extra}
        proc = spawn(name, "backend", env, self.log_dir, detached=self.detached)
        self.gateways.append(proc)
        self.ports.append(port)
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/ai/api/health/live", proc=proc)
        return url

    def start_worker(self, **extra: str) -> Proc:
        name = f"worker-{len(self.workers)}"
        env = {
            **self.base_env(),
            "WORKER_ID": f"{socket.gethostname()}-{name}-{os.getpid()}-{time.monotonic_ns() % 100000}",
            **extra,
        }
        proc = spawn(name, "agent_service", env, self.log_dir, detached=self.detached)
        self.workers.append(proc)
        return proc

    def wait_workers(self, n: int, gateway_url: str, timeout: float = 60) -> None:
        import json

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for w in self.workers:
                if not w.alive() and w.popen.returncode not in (0, -9, -15):
                    raise RuntimeError(f"{w.name} exited:\n{w.log()[-4000:]}")
            try:
                with urllib.request.urlopen(gateway_url + "/ai/api/health", timeout=2) as r:
                    if json.load(r).get("workers_alive", 0) >= n:
                        return
            except Exception:
                pass
            time.sleep(0.2)
        logs = "\n".join(w.log()[-2000:] for w in self.workers)
        raise RuntimeError(f"{n} workers not alive after {timeout}s\n{logs}")

    def stop(self) -> None:
        for p in [*self.gateways, *self.workers]:
            p.stop()
