"""MCP_SERVERS_FILE: what an operator may declare (servers over stdio or streamable HTTP, agents that use
them), the one clear error a bad file gives at start-up, and the registry's rules for declared and
installed agents."""

from __future__ import annotations

import json
import logging

import pytest
from agents.mcp import MCPServerStdio, MCPServerStreamableHttp

from agent_service.config import Settings
from agent_service.errors import CatalogError
from agent_service.execution import registry
from agent_service.execution.registry import AgentSpec
from agent_service.tools.catalog import HttpServer, StdioServer, load_catalog, parse_catalog
from agent_service.worker import Worker

TOML = """
[[servers]]
name = "notes"
url = "https://notes.internal/mcp"
headers = { Authorization = "Bearer ${NOTES_TOKEN}" }
tools = ["search_notes"]

[[servers]]
name = "files"
command = "npx"
args = ["-y", "server-filesystem", "/srv"]

[[agents]]
name = "notes"
description = "Answers from the notes"
instructions = "Search first."
servers = ["notes", "analytics"]
"""


def _file(tmp_path, text: str, name: str = "servers.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _error(tmp_path, raw: dict) -> str:
    with pytest.raises(CatalogError) as caught:
        load_catalog(_file(tmp_path, json.dumps(raw), "servers.json"), env={})
    return str(caught.value)


def test_a_toml_file_declares_http_and_stdio_servers_and_an_agent(tmp_path):
    catalog = load_catalog(_file(tmp_path, TOML), env={"NOTES_TOKEN": "s3cret"})
    notes, files = catalog.servers
    assert isinstance(notes, HttpServer) and notes.headers == {"Authorization": "Bearer s3cret"}
    assert isinstance(files, StdioServer) and files.args[-1] == "/srv"
    assert catalog.agents[0].servers == ["notes", "analytics"]


def test_each_server_makes_the_sdk_client_of_its_transport_with_its_allow_list(tmp_path):
    notes, files = load_catalog(_file(tmp_path, TOML), env={"NOTES_TOKEN": "t"}).servers
    http, stdio = notes.client(7), files.client(7)
    assert isinstance(http, MCPServerStreamableHttp) and http.params["url"] == "https://notes.internal/mcp"
    assert http.tool_filter == {"allowed_tool_names": ["search_notes"]}
    assert isinstance(stdio, MCPServerStdio) and stdio.tool_filter is None and stdio.name == "files"


def test_a_missing_variable_in_a_header_is_named(tmp_path):
    with pytest.raises(CatalogError, match=r"\$\{NOTES_TOKEN\} is not set"):
        load_catalog(_file(tmp_path, TOML), env={})


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"servers": [{"name": "x"}]}, "needs `command` (stdio) or `url`"),
        (
            {"servers": [{"name": "x", "command": "y", "comand": "z"}]},
            "comand: Extra inputs are not permitted",
        ),
        ({"servers": [{"name": "x", "url": "ftp://host"}]}, "url: String should match"),
        ({"servers": [{"name": "analytics", "command": "y"}]}, "'analytics' is a bundled server's"),
        ({"servers": [{"name": "tasks", "command": "y"}]}, "'tasks' is a bundled server's"),
        ({"servers": [{"name": "x", "command": "y"}, {"name": "x", "url": "http://h"}]}, "declared twice: x"),
        ({"agents": [{"name": "a", "instructions": "i", "servers": ["nope"]}]}, "undeclared servers: nope"),
        ({"agents": [{"name": "Bad Name", "instructions": "i"}]}, "agents.0.name"),
        ({"server": []}, "server: Extra inputs are not permitted"),
    ],
)
def test_a_bad_file_is_one_error_naming_the_file_and_the_problem(tmp_path, raw, says):
    message = _error(tmp_path, raw)
    assert "servers.json" in message and says in message


def test_a_file_that_is_neither_toml_nor_json_is_refused(tmp_path):
    with pytest.raises(CatalogError, match="must end in .toml or .json"):
        load_catalog(_file(tmp_path, "servers: []", "servers.yaml"))


async def test_a_worker_with_a_bad_file_exits_1_with_that_message(tmp_path, caplog):
    bad = _file(tmp_path, json.dumps({"servers": [{"name": "x"}]}), "bad.json")
    caplog.set_level(logging.ERROR, logger="agent_service.worker")
    worker = Worker(Settings(mcp_servers_file=bad, sample_db_path=tmp_path / "sample.db"))
    assert await worker.serve() == 1
    assert "bad.json: servers.0: a server needs" in caplog.text and "Traceback" not in caplog.text


def test_a_declared_agent_may_not_take_a_built_in_name():
    catalog = parse_catalog({"agents": [{"name": "chat", "instructions": "i"}]})
    with pytest.raises(CatalogError, match="'chat' is a built-in agent's"):
        registry.specs(catalog)


def test_declared_agents_follow_the_built_in_ones_with_their_servers():
    catalog = parse_catalog(
        {
            "servers": [{"name": "n", "url": "http://h"}],
            "agents": [{"name": "n", "instructions": "i", "servers": ["n"]}],
        }
    )
    found = registry.specs(catalog, ["analytics", "n"])
    assert [s.name for s in found] == ["analytics", "chat", "tasks", "n"] and found[-1].server_names == ("n",)


class _Point:
    def __init__(self, name, value):
        self.name, self._value = name, value

    def load(self):
        return self._value


def test_an_installed_agent_naming_a_server_the_worker_lacks_is_left_out(monkeypatch):
    points = [
        _Point("ok", AgentSpec("ok", "", "i", servers=("analytics",))),
        _Point("legacy", AgentSpec("legacy", "", "i", tools=True)),
        _Point("lost", AgentSpec("lost", "", "i", servers=("nowhere",))),
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: points)
    found = {s.name: s for s in registry.specs()}
    assert set(found) == {"analytics", "chat", "tasks", "ok", "legacy"}
    assert found["legacy"].server_names == ("analytics",)
