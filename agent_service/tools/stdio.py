"""How the worker starts a bundled tool server: `MCPServerStdio` params for `python -m <module>`, and
the SDK client made from them for each connection (`stdio_client`).

A stdio subprocess inherits only HOME/LOGNAME/PATH/SHELL/TERM/USER (mcp's client), so everything a server
needs comes in `env`, plus what every server needs: PYTHONPATH and the working directory at the checkout
that holds `agent_service/` (so the subprocess runs this checkout's code whether or not, and wherever,
the package is installed), unbuffered output, and the coverage variables so coverage runs reach it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from agents.mcp import MCPServerStdio

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def stdio_params(module: str, env: dict[str, str]) -> dict[str, Any]:
    env = {
        **env,
        "PYTHONPATH": os.pathsep.join(p for p in (REPO_ROOT, os.environ.get("PYTHONPATH", "")) if p),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG", "COVERAGE_FILE"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return {"command": sys.executable, "args": ["-m", module], "env": env, "cwd": REPO_ROOT}


def stdio_client(name: str, params: dict[str, Any], timeout_s: float) -> Callable[[], MCPServerStdio]:
    """A fresh SDK client per connection (the supervisor's `make`): tools listed once per connection,
    MCP_TIMEOUT_S per request."""

    def make() -> MCPServerStdio:
        return MCPServerStdio(
            params=params,  # type: ignore[arg-type]
            name=name,
            cache_tools_list=True,
            client_session_timeout_seconds=timeout_s,
        )

    return make
