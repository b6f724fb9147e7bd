"""The MCP servers and agents an operator declares in MCP_SERVERS_FILE (a `.toml` or `.json` file).

    [[servers]]                      # streamable HTTP: url (+ headers, timeout_s)
    name = "notes"
    url = "http://notes:8080/mcp"
    headers = { Authorization = "Bearer ${NOTES_TOKEN}" }
    tools = ["search_notes"]         # optional allow-list: only these tools are offered

    [[servers]]                      # stdio: command (+ args, env, cwd), a subprocess of the worker
    name = "files"
    command = "npx"
    args = ["-y", "@modelcontextprotocol/server-filesystem", "/srv/docs"]

    [[agents]]
    name = "notes"
    description = "Answers from the team's notes"
    instructions = "Search the notes before you answer."
    servers = ["notes"]              # declared servers, or "analytics" / "tasks" (the bundled ones)

Why these choices: a file, not an environment variable, because instructions are prose and servers are
lists; TOML (stdlib `tomllib`, comments) or JSON (stdlib, what a ConfigMap generator writes), picked by
the suffix. A server is stdio when it has `command` and streamable HTTP when it has `url`, so neither
needs a `transport` key. `${NAME}` in `env` and `headers` values is replaced from the worker's
environment when the file is read (`$$` is a literal `$`), so tokens stay out of the file; a missing
variable is an error like any other. Everything is validated with pydantic (unknown keys refused, so a
typo is an error, not a silently ignored setting) and a bad file stops the worker at start-up with one
message naming the file and each problem (CatalogError). Whether an agent's name is free is the
registry's rule (execution/registry.py), which also knows the built-in and installed agents.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from string import Template
from typing import Annotated, Any, cast

from agents.mcp import MCPServerStdio, MCPServerStreamableHttp, create_static_tool_filter
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from agent_service.errors import CatalogError
from contract.agents import AGENT_NAME_PATTERN

ANALYTICS_SERVER = "analytics"
"""The bundled analytics server's name: always there, never declared."""
TASKS_SERVER = "tasks"
"""The bundled task list server's name (tools/tasks/): always there, never declared."""
BUNDLED_SERVERS = (ANALYTICS_SERVER, TASKS_SERVER)
SERVER_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"


class _Server(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=SERVER_NAME_PATTERN)
    tools: list[str] | None = None
    """Allow-list of tool names (the SDK's static tool filter); None: every tool the server lists."""


class StdioServer(_Server):
    command: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    """Added to the few variables a stdio server inherits (HOME, LOGNAME, PATH, SHELL, TERM, USER)."""
    cwd: str | None = None

    def client(self, timeout_s: float) -> MCPServerStdio:
        """A fresh SDK client for one connection (MCP_TIMEOUT_S per request)."""
        params: dict[str, Any] = {"command": self.command, "args": self.args, "env": self.env}
        if self.cwd:
            params["cwd"] = self.cwd
        return MCPServerStdio(params=cast(Any, params), **_client_options(self, timeout_s))


class HttpServer(_Server):
    url: str = Field(pattern=r"^https?://")
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = Field(default=10, gt=0)
    """HTTP timeout of a request (each MCP request also has MCP_TIMEOUT_S)."""

    def client(self, timeout_s: float) -> MCPServerStreamableHttp:
        """A fresh SDK client for one connection (MCP_TIMEOUT_S per request)."""
        params: dict[str, Any] = {"url": self.url, "headers": self.headers, "timeout": self.timeout_s}
        return MCPServerStreamableHttp(params=cast(Any, params), **_client_options(self, timeout_s))


def _client_options(server: _Server, timeout_s: float) -> dict[str, Any]:
    """What every declared server's SDK client gets: its name, the tool list cached per connection
    (a reconnect lists it again), the request timeout, and the allow-list as the SDK's static filter."""
    return {
        "name": server.name,
        "cache_tools_list": True,
        "client_session_timeout_seconds": timeout_s,
        "tool_filter": create_static_tool_filter(allowed_tool_names=server.tools),
    }


def _transport(data: Any) -> str | None:
    if isinstance(data, Mapping):
        return "stdio" if "command" in data else "http" if "url" in data else None
    return "stdio" if isinstance(data, StdioServer) else "http" if isinstance(data, HttpServer) else None


ServerConfig = Annotated[
    Annotated[StdioServer, Tag("stdio")] | Annotated[HttpServer, Tag("http")],
    Discriminator(
        _transport,
        custom_error_type="server_transport",
        custom_error_message="a server needs `command` (stdio) or `url` (streamable HTTP)",
    ),
]


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=AGENT_NAME_PATTERN)
    description: str = ""
    instructions: str = Field(min_length=1)
    servers: list[str] = Field(default_factory=list)


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    servers: list[ServerConfig] = Field(default_factory=list)
    agents: list[AgentConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        names = [s.name for s in self.servers]
        if taken := [n for n in BUNDLED_SERVERS if n in names]:
            raise ValueError(f"the server name {taken[0]!r} is a bundled server's")
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"server names declared twice: {', '.join(dupes)}")
        agents = [a.name for a in self.agents]
        if dupes := sorted({n for n in agents if agents.count(n) > 1}):
            raise ValueError(f"agent names declared twice: {', '.join(dupes)}")
        known = {*BUNDLED_SERVERS, *names}
        for agent in self.agents:
            if missing := [s for s in agent.servers if s not in known]:
                raise ValueError(f"agent {agent.name!r} names undeclared servers: {', '.join(missing)}")
        return self


def _expand(value: Any, env: Mapping[str, str]) -> Any:
    """`${NAME}` in the `env` and `headers` values of every server, from `env`."""
    if isinstance(value, dict):
        return {
            k: (
                {n: Template(v).substitute(env) if isinstance(v, str) else v for n, v in v.items()}
                if k in ("env", "headers") and isinstance(v, dict)
                else v
            )
            for k, v in value.items()
        }
    return value


def parse_catalog(raw: Any, env: Mapping[str, str] | None = None) -> Catalog:
    """The catalog from already-decoded data (raises ValueError / KeyError / ValidationError)."""
    if isinstance(raw, dict) and isinstance(raw.get("servers"), list):
        raw = {**raw, "servers": [_expand(s, os.environ if env is None else env) for s in raw["servers"]]}
    return Catalog.model_validate(raw)


def load_catalog(path: Path | None, env: Mapping[str, str] | None = None) -> Catalog:
    """What MCP_SERVERS_FILE declares; an empty catalog without one. A bad file is a CatalogError."""
    if path is None:
        return Catalog()
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            raw: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            raw = json.loads(text)
        else:
            raise ValueError("the file must end in .toml or .json")
        return parse_catalog(raw, env)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()
        )
        raise CatalogError(f"MCP_SERVERS_FILE {path}: {problems}") from None
    except KeyError as exc:
        raise CatalogError(
            f"MCP_SERVERS_FILE {path}: ${{{exc.args[0]}}} is not set in the environment"
        ) from None
    except (OSError, ValueError) as exc:  # unreadable, bad TOML/JSON, a bad ${...}
        raise CatalogError(f"MCP_SERVERS_FILE {path}: {exc}") from None
