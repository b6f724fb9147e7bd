"""The analytics server's view of each session's uploaded tables: read from Redis, loaded into one
read-only DuckDB database per session (uploaddb.py), cached.

How a call finds its session: one server serves every run of its worker, so the worker sends the run's
session id in each tool call's MCP request `_meta` under SESSION_META_KEY (tools/analyticsclient.py).
The model cannot set it (it writes only the tool arguments), so a session's tables reach only that
session's calls; a call without it (another MCP client) sees no uploaded table.

Cache: per session the database built from its current files, keyed by their sha256s. Each call reads
the session's small records (one HGETALL); only when they differ from the cached database's does it
read the files (HMGET) and build a new database (a 2 MB CSV loads in about 50 ms), which replaces the
old one. At most CACHED_SESSIONS databases are kept (least recently used goes first); their files live
in a private temporary directory, removed when the server exits. Builds are serialised by one lock
(rare and short); queries run outside it, each on its own cursor.
No REDIS_URL, or Redis failing, means no uploaded tables for that call (logged), never a failed call
on the main database.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from redis import Redis, RedisCluster
from redis.exceptions import RedisError

from agent_service.tools.analytics.uploaddb import UploadDatabase
from contract import keys
from contract.uploads import UploadRecord

log = logging.getLogger(__name__)

SESSION_META_KEY = "agent-stream/session"
"""The `_meta` key of a tool call that names the run's session (an MCP `prefix/name` key)."""
CACHED_SESSIONS = 16


def session_of(meta: Any) -> str | None:
    """The session a tool call's request `_meta` names, or None."""
    value = meta.get(SESSION_META_KEY) if isinstance(meta, dict) else None
    return value if isinstance(value, str) and value else None


class UploadTables:
    def __init__(
        self,
        redis: Redis | RedisCluster | None,
        *,
        max_file_bytes: int,
        max_rows: int,
        timeout_s: float,
        max_bytes: int,
    ) -> None:
        self.redis = redis
        self.max_file_bytes = max_file_bytes
        self.limits = {"max_rows": max_rows, "timeout_s": timeout_s, "max_bytes": max_bytes}
        self.directory = Path(tempfile.mkdtemp(prefix="analytics-uploads-"))
        self._cache: OrderedDict[str, UploadDatabase] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **limits: Any) -> UploadTables:
        env = os.environ if env is None else env
        url = env.get("REDIS_URL") or ""
        redis: Redis | RedisCluster | None = None
        if url:
            kind = RedisCluster if env.get("REDIS_CLUSTER", "").lower() in ("1", "true", "yes") else Redis
            redis = kind.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        max_file_bytes = int(env.get("UPLOAD_MAX_BYTES") or 2 * 1024 * 1024)
        return cls(redis, max_file_bytes=max_file_bytes, **limits)

    def for_session(self, session_id: str | None) -> UploadDatabase | None:
        """The session's uploaded tables (None: it has none, or they cannot be read now)."""
        if not session_id or self.redis is None:
            return None
        try:
            raw = self.redis.hgetall(keys.session_uploads(session_id))
            records = sorted(
                (UploadRecord.model_validate_json(v) for v in raw.values()), key=lambda r: r.uploaded_at
            )
            signature = tuple((r.table, r.sha256) for r in records)
            with self._lock:
                cached = self._cache.get(session_id)
                if cached is not None and cached.signature == signature:
                    self._cache.move_to_end(session_id)
                    return cached
                self._forget(session_id)
                if not records:
                    return None
                data = self.redis.hmget(keys.session_upload_data(session_id), [r.table for r in records])
                files = {r.table: d.decode() for r, d in zip(records, data, strict=True) if d is not None}
                db = UploadDatabase.build(self.directory, records, files, self.max_file_bytes, **self.limits)
                self._cache[session_id] = db
                while len(self._cache) > CACHED_SESSIONS:
                    self._forget(next(iter(self._cache)))
                return db
        except (RedisError, OSError, ValueError) as exc:
            log.warning("uploaded tables of a session unavailable (%s: %s)", type(exc).__name__, exc)
            return None

    def _forget(self, session_id: str) -> None:
        old = self._cache.pop(session_id, None)
        if old is not None:
            old.close()

    def close(self) -> None:
        with self._lock:
            self._cache.clear()
        shutil.rmtree(self.directory, ignore_errors=True)
        if self.redis is not None:
            self.redis.close()
