"""How the worker starts its bundled stdio servers: from the checkout that holds this agent_service."""

from __future__ import annotations

import os
from pathlib import Path

import agent_service
from agent_service.config import Settings
from agent_service.tools import analytics, tasks

CHECKOUT = Path(agent_service.__file__).resolve().parent.parent


def test_both_bundled_servers_run_this_checkouts_code(tmp_path):
    settings = Settings(tasks_db_path=tmp_path / "tasks.db", sample_db_path=tmp_path / "sample.db")
    for params in (analytics.mcp_params(settings), tasks.mcp_params(settings)):
        assert Path(params["cwd"]) == CHECKOUT
        assert params["env"]["PYTHONPATH"].split(os.pathsep)[0] == str(CHECKOUT)
        assert (CHECKOUT / "agent_service").is_dir()
