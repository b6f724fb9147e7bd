"""`python -m devstack` started the way a script starts it in the background (`cmd &`, which makes
the shell set SIGINT to ignored): both SIGINT and SIGTERM still stop it and everything it started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from devstack.processes import ROOT
from devstack.redis_server import free_port

pytestmark = pytest.mark.integration


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    return [int(p) for p, pp in (line.split() for line in out.splitlines()) if int(pp) == pid]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout
    return bool(state.strip()) and not state.strip().startswith("Z")


@pytest.fixture
def background_devstack(tmp_path):
    """The launcher as `python -m devstack &` from a non-interactive shell script."""
    port = free_port()
    log = tmp_path / "devstack.out"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "API_KEYS", "API_KEY")}
    env.update(MODEL_PROVIDER="demo", LOG_LEVEL="WARNING")
    script = f'"{sys.executable}" -m devstack --workers 1 --port {port} >"{log}" 2>&1 &\necho $!\n'
    shell = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    pid = int(shell.stdout.strip())
    deadline = time.monotonic() + 90
    while "Agent stream is up" not in log.read_text() if log.exists() else True:
        assert time.monotonic() < deadline, f"devstack did not come up:\n{log.read_text()}"
        assert _alive(pid), f"devstack exited:\n{log.read_text()}"
        time.sleep(0.2)
    children = _children(pid)
    yield pid, port, children, log
    for p in [pid, *children]:
        if _alive(p):
            os.kill(p, signal.SIGKILL)


def test_a_scripts_background_job_starts_with_sigint_ignored():
    """The premise: a background job of a script inherits SIGINT as ignored."""
    out = subprocess.run(
        [
            "bash",
            "-c",
            f'"{sys.executable}" -c "import signal; print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)" & wait',
        ],
        capture_output=True,
        text=True,
    ).stdout
    assert out.strip() == "True"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_a_background_devstack_and_all_its_processes(background_devstack, sig):
    pid, port, children, log = background_devstack
    assert len(children) == 3, f"expected redis, gateway, worker: {children}"  # redis, gateway, 1 worker
    os.kill(pid, sig)
    deadline = time.monotonic() + 45
    while any(_alive(p) for p in [pid, *children]):
        assert time.monotonic() < deadline, f"still running after {sig.name}:\n{log.read_text()}"
        time.sleep(0.2)
    assert "Stopping..." in log.read_text()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/ai/api/health/live", timeout=1)


def test_devstack_tells_the_ui_its_demo_key_and_signs_in_its_demo_user(background_devstack):
    _, port, _, log = background_devstack
    assert "API key:   demo-key" in log.read_text()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ai/api/ui-config", timeout=5) as r:
        config = json.load(r)
    assert config["api_key_hint"] == "demo-key" and config["tokens"] is True
    me = urllib.request.Request(
        f"http://127.0.0.1:{port}/ai/api/me", headers={"Authorization": f"Bearer {config['demo_token']}"}
    )
    with urllib.request.urlopen(me, timeout=5) as r:
        assert json.load(r)["name"] == "Demo user"
