"""Worker settings: one `Settings` class, read from the environment and `.env`, via `get_settings()`.

The settings the gateway reads too (Redis URL, the TTLs, the queue timeout, logging) are inherited from
contract/settings.py, so both services agree on their names and defaults.
"""

from __future__ import annotations

import os
import socket
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from contract.settings import SharedSettings, env_file

ROOT = Path(__file__).resolve().parent.parent


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Settings(SharedSettings):
    worker_id: str = Field(default_factory=_default_worker_id)
    worker_concurrency: int = 50
    """Agent runs one worker process executes at once (asyncio)."""
    worker_uvloop: bool = True
    """Run the worker's event loop on uvloop when it is installed (false: the standard asyncio loop)."""
    worker_metrics_port: int = 0
    """Serve Prometheus metrics on this port (agent_service/metrics.py); 0: no metrics server."""
    worker_metrics_host: str = "127.0.0.1"
    """The metrics server's address: 0.0.0.0 in a container, where the scraper is another host."""
    heartbeat_interval_s: float = 2
    worker_heartbeat_ttl_s: int = 10
    """A worker whose heartbeat is older than this is dead; its tasks are redelivered."""
    worker_max_stall_s: float = 60
    """A worker whose event loop has not run for this long stops its heartbeat (sent from a thread) and
    is treated as dead; shorter stalls keep its heartbeat and task locks alive."""
    redis_max_connections: int = 0
    """Size of the Redis command connection pool; a command that finds every connection busy waits.
    0 = WORKER_CONCURRENCY + 16 (one connection per run, and the background loops)."""
    poll_timeout_s: int = 2
    """BLMOVE block window (kept under redis-py 8's 5 s socket timeout; the blocking client has more)."""

    model_provider: Literal["demo", "openai", ""] = ""
    """demo (offline, deterministic) or openai (any OpenAI-compatible endpoint). Empty: openai when
    OPENAI_API_KEY is set, else demo."""
    openai_api_key: str = ""
    openai_base_url: str = ""
    model: str = "gpt-4.1-mini"
    openai_api: Literal["chat_completions", "responses"] = "chat_completions"
    openai_max_connections: int = 1000
    """HTTP connections one worker opens to the model endpoint (one per model call in flight), all kept
    alive for reuse; calls past it wait for a free connection."""
    model_inputs: str = "text,image,file"
    """What the model reads in a message, comma-separated: text, image, file. Advertised per agent in the
    heartbeat: the gateway refuses an image or a file the model does not read with a 422 (set `text` for a
    text-only model). The demo model reads all three and says what it received."""
    demo_tokens_per_s: float = 40
    """Token rate of the offline demo model (0 = as fast as possible)."""
    max_turns: int = 10

    database_url: str = ""
    """SQLAlchemy URL the analytics MCP server queries; empty = the bundled sample SQLite database."""
    database_allow_unsafe_role: bool = False
    """Serve even when the DATABASE_URL role can write or reach server files (a loud warning instead of
    refusing to start)."""
    sample_db_path: Path = ROOT / "var" / "sample.db"
    tasks_database_url: str = ""
    """SQLAlchemy URL of the `tasks` agent's task lists (a database the worker may write); empty = the
    SQLite file at TASKS_DB_PATH."""
    tasks_db_path: Path = ROOT / "var" / "tasks.db"
    approval_ttl_s: int = 900
    """How long a run paused for a person's approval waits for the decision; then it ends with error
    approval_expired (the reaper's sweep writes it) and nothing is changed."""
    query_max_rows: int = 200
    upload_max_files: int = 5
    """Uploaded tables one session may hold (a file of a name it already has replaces that table; one
    more is not loaded and the model is told): bounds a session's upload keys at UPLOAD_MAX_FILES x
    UPLOAD_MAX_BYTES."""
    query_timeout_s: float = 10
    query_max_bytes: int = 262144
    """Cap on the JSON one run_query returns (rows past it are dropped, `truncated: true`); it goes to
    Redis and the model."""
    sql_max_retries: int = 3
    """Failed run_query attempts (dry-run or database errors) one run may make; at the last one the
    model is told to stop and explain, and further attempts are refused without running."""
    mcp_timeout_s: float = 30
    """Timeout of one MCP request; also how long a call waits for a replacement server."""
    mcp_max_inflight: int = 8
    """Tool calls one worker sends its MCP server at once; more wait in the worker for a free slot (one
    analytics server's throughput stops growing at about 8 concurrent calls, only its latency grows)."""

    mcp_servers_file: Path | None = None
    """A .toml or .json file declaring more MCP servers (stdio or streamable HTTP) and agents that use
    them (agent_service/tools/catalog.py); empty: only the bundled analytics server and the built-in
    agents."""

    session_history_items: int = 100
    """How many history items the model sees on a follow-up (the first bound; HISTORY_MAX_TOKENS the second)."""
    history_max_tokens: int = 32000
    """Token budget of what the model is sent of the conversation (history + the new question, counted
    offline with tiktoken's o200k_base): the oldest history is left out past it, never between a tool
    call and its output (agent_service/execution/historybudget.py). 0 = no token bound."""
    token_flush_ms: int = 30
    """Model deltas are coalesced into one token event per this many ms (one Redis write per batch)."""
    max_attempts: int = 3
    task_timeout_s: int = 300
    drain_timeout_s: float = 20
    reaper_interval_s: float = 2
    cancel_poll_s: float = 1.0
    """How often a worker re-reads the cancel flag of the tasks it runs (fallback for lost pub/sub messages)."""

    @field_validator("mcp_servers_file", mode="before")
    @classmethod
    def _no_file(cls, value):
        return value or None  # MCP_SERVERS_FILE= (empty) means none

    @field_validator("model_inputs")
    @classmethod
    def _inputs(cls, value: str) -> str:
        unknown = set(_names(value)) - {"text", "image", "file"}
        if unknown:
            raise ValueError(f"MODEL_INPUTS names text, image or file, not {', '.join(sorted(unknown))}")
        return value

    @property
    def inputs(self) -> list[str]:
        """MODEL_INPUTS as a list, in the order text, image, file (text is always read)."""
        return ["text", *(i for i in ("image", "file") if i in _names(self.model_inputs))]

    @model_validator(mode="after")
    def _provider(self):
        if not self.model_provider:
            self.model_provider = "openai" if self.openai_api_key else "demo"
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings(_env_file=env_file())
