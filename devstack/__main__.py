"""`python -m devstack`: Redis (embedded unless REDIS_URL is set), the gateway and N workers, one command.

The README's first command (`./scripts/start.sh`) installs dependencies, builds the UI and execs this.
Ctrl-C (SIGINT) or SIGTERM stops everything it started, workers first so they hand back unfinished
runs, Redis last. Both handlers are installed explicitly: a shell starts a background job (`cmd &` in
a script) with SIGINT ignored, and Python then never turns SIGINT into KeyboardInterrupt. The children
run in their own sessions so a terminal's Ctrl-C reaches only this launcher, which stops them in order.

With the default (public) `demo-key`, the gateway gets UI_API_KEY_HINT so the UI's key dialog names it.

A demo user, unless the environment configures tokens itself: the gateway gets a public HS256 dev
secret and UI_DEMO_USER=demo, so GET /ai/api/ui-config hands the UI a token and the first page load is
signed in as "Demo user" with no setup. Tokens rather than the devstack posing as a trusted proxy:
a proxy's user header is only believed with a proxy key, which the browser must never hold; the
token path is the one a real identity provider uses, and pasting another minted token
(`python -m backend.devtoken`) gives a second user on the same gateway.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from pathlib import Path

from devstack.processes import ROOT, Stack
from devstack.redis_server import RedisServer

DEMO_KEY = "demo-key"
DEMO_TOKENS = {  # public, like demo-key: never a real deployment's secret
    "JWT_SECRET": "devstack-demo-secret-not-for-any-real-deployment",
    "JWT_ISSUER": "devstack",
    "JWT_AUDIENCE": "agent-stream",
}
DEMO_USER = "demo"
WORKER_METRICS_BASE_PORT = 9464
"""Worker i serves its Prometheus metrics on this port + i (each needs its own port on one host)."""


def _dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                values[k.strip()] = v.strip().strip('"').strip("'")
    return values


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((host if host != "0.0.0.0" else "127.0.0.1", port)) != 0


class _StopRequested(Exception):
    """Raised by the signal handler: unwinds startup waits and the run loop alike."""


def main(argv: list[str] | None = None) -> int:
    cfg = {**_dotenv(ROOT / ".env"), **os.environ}
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--host", default=cfg.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(cfg.get("PORT", "8000")))
    args = parser.parse_args(argv)

    if not _port_free(args.host, args.port):
        print(f"Port {args.port} is in use: set PORT or pass --port.", file=sys.stderr)
        return 2

    stopping = False

    def _stop(*_):
        nonlocal stopping
        if not stopping:  # a second signal while stopping changes nothing: cleanup runs to its end
            stopping = True
            raise _StopRequested

    env: dict[str, str] = {}
    key = cfg.get("API_KEYS") or cfg.get("API_KEY")
    if not key:
        env["API_KEYS"] = key = DEMO_KEY
    if DEMO_KEY in (k.strip() for k in key.split(",")) and not cfg.get("UI_API_KEY_HINT"):
        env["UI_API_KEY_HINT"] = DEMO_KEY
    key = key.split(",")[0].strip()
    if not (cfg.get("JWT_SECRET") or cfg.get("JWT_JWKS_URL")):
        env.update(DEMO_TOKENS)
        if not cfg.get("UI_DEMO_USER"):
            env["UI_DEMO_USER"] = DEMO_USER
    mint = " ".join(f"{k}={v}" for k, v in env.items() if k in DEMO_TOKENS)

    redis: RedisServer | None = None
    redis_url = cfg.get("REDIS_URL", "")
    stack = Stack(redis_url=redis_url, env=env, detached=True)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        if not redis_url:
            redis = RedisServer(data_dir=str(_mkdir(ROOT / "var" / "redis")), detached=True)
            redis.start()
            stack.redis_url = redis_url = redis.url
        url = stack.start_gateway(port=args.port, HOST=args.host)
        for i in range(args.workers):
            stack.start_worker(WORKER_METRICS_PORT=str(WORKER_METRICS_BASE_PORT + i))
        stack.wait_workers(args.workers, url)
        ui = f"http://127.0.0.1:{args.port}/ai/static/"
        built = (ROOT / "frontend" / "dist" / "index.html").exists()
        print(
            f"\n  Agent stream is up.\n"
            f"  UI:        {ui}{'' if built else '  (UI not built: run ./scripts/start.sh or npm run build)'}\n"
            f"  API key:   {key}\n"
            + (
                f"  User:      {env['UI_DEMO_USER']} (the UI signs in with a demo token; another user:\n"
                f"             {mint} .venv/bin/python -m backend.devtoken --sub alice --name Alice)\n"
                if env.get("UI_DEMO_USER")
                else ""
            )
            + f"  Redis:     {redis_url}{' (embedded)' if redis else ''}\n"
            f"  Workers:   {args.workers}   logs: {stack.log_dir}\n"
            f"  Metrics:   http://127.0.0.1:{args.port}/metrics, workers on :{WORKER_METRICS_BASE_PORT}"
            f"..{WORKER_METRICS_BASE_PORT + args.workers - 1}/metrics\n\n"
            f"  curl -N -H 'X-API-Key: {key}' -H 'Content-Type: application/json' \\\n"
            f'       -d \'{{"message": "How many customers are there?"}}\' '
            f"http://127.0.0.1:{args.port}/ai/api/chat/stream\n\n"
            f"  Ctrl-C (or kill -TERM {os.getpid()}) stops everything.\n",
            flush=True,
        )
        while not stopping:
            dead = [p.name for p in [*stack.gateways, *stack.workers] if not p.alive()]
            if dead:
                print(f"{', '.join(dead)} exited; see {stack.log_dir}", file=sys.stderr)
                return 1
            time.sleep(0.5)
    except _StopRequested:
        pass
    finally:
        print("Stopping...", flush=True)
        for w in stack.workers:
            w.stop()
        for g in stack.gateways:
            g.stop()
        if redis:
            redis.stop()
    return 0


def _mkdir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


if __name__ == "__main__":
    sys.exit(main())
