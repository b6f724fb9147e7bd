"""How the worker starts a tool server: `MCPServerStdio` params for `python -m <module>`.

A stdio subprocess inherits only HOME/LOGNAME/PATH/SHELL/TERM/USER (mcp's client), so everything a server
needs comes in `env`, plus what every server needs: PYTHONPATH and the working directory at the checkout
that holds `agent_service/` (so the subprocess runs this checkout's code whether or not, and wherever,
the package is installed), unbuffered output, and the coverage variables so coverage runs reach it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def stdio_params(module: str, env: dict[str, str]) -> dict[str, Any]:
    env = {
        **env,
        "PYTHONPATH": os.pathsep.join(p for p in (REPO_ROOT, os.environ.get("PYTHONPATH", "")) if p),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("COVERAGE_PROCESS_START", "COVERAGE_FILE"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return {"command": sys.executable, "args": ["-m", module], "env": env, "cwd": REPO_ROOT}
