"""`python -m backend`: run the gateway with uvicorn on HOST:PORT.

Proxy headers are off unless PROXY_HEADERS is set (X-Forwarded-For from an untrusted client would
otherwise spoof the peer address); `timeout_graceful_shutdown` is always set because uvicorn's
default waits forever for open SSE streams. GatewayServer adds the SIGTERM drain (lifecycle.py).
"""

from __future__ import annotations

import sys

import uvicorn

from backend.app import create_app
from backend.config import get_settings
from backend.errors import ConfigError
from backend.lifecycle import GatewayServer
from contract import logfields, tracing


def main() -> int:
    settings = get_settings()
    logfields.configure("gateway", settings.log_level, settings.log_json)
    try:
        app = create_app(settings)
    except ConfigError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        timeout_graceful_shutdown=max(1, round(settings.graceful_timeout_s)),
        proxy_headers=settings.proxy_headers,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        log_config=None,
        access_log=False,
        lifespan="on",
        ws="websockets-sansio",  # the websockets library's own sans-I/O protocol (its legacy one is deprecated)
    )
    server = GatewayServer(config, app.state.lifecycle, settings.shutdown_delay_s)
    tracing.start("agent-gateway")
    try:
        server.run()
    finally:
        tracing.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
