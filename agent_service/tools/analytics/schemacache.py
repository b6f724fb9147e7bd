"""Schema lookups cached in Redis per database fingerprint, so a run does not introspect the database.

Why here, in the analytics server, and not in the worker's tool wrapper: the cache key must name the
schema it holds, and only a query against the database can tell whether the schema changed; the server
has the connection, so it asks (one cheap fingerprint query per lookup) and answers from Redis in the same
call. A worker-side cache would need an extra MCP round trip for the fingerprint on every lookup and
would have to know which tools read the schema; here every MCP client of the server benefits.
The fingerprint is a hash of the database's identity (its URL without password) and a catalog query:
- SQLite: `PRAGMA schema_version` (bumped by every schema change);
- PostgreSQL: md5 over the current schema's columns (table, column, type, nullability) and constraints,
  read from pg_catalog (information_schema shows a role only what it may read, so a new table the role
  cannot read yet would not change it);
- MariaDB/MySQL: count and CRC32 sum over the database's information_schema.COLUMNS rows (no
  GROUP_CONCAT, whose length cap would cut the input).
Row counts and sample values in a cached entry can age without a schema change, so entries expire after
SCHEMA_CACHE_TTL_S. No REDIS_URL, or Redis failing, means no cache: the lookup runs as before (and is
counted as a miss). Hits and misses go to keys.SCHEMA_CACHE_STATS, which the gateway's /health shows.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from agent_service.tools.analytics.query import ReadOnlyDatabase
from contract import keys

log = logging.getLogger(__name__)

SCHEMA_CACHE_TTL_S = 300
FINGERPRINT_SQL = {
    "sqlite": "PRAGMA schema_version",
    "postgresql": (
        "SELECT md5(coalesce((SELECT string_agg(c.relname || '.' || a.attname || ':' || "
        "format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull::text, ',' ORDER BY c.relname, a.attnum) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 "
        "AND NOT a.attisdropped), '') || coalesce((SELECT string_agg(o.conname || ':' || o.contype::text, ',' "
        "ORDER BY o.conname) FROM pg_constraint o JOIN pg_namespace n ON n.oid = o.connamespace "
        "WHERE n.nspname = current_schema()), ''))"
    ),
    "mysql": (
        "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS(':', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, "
        "IS_NULLABLE, ORDINAL_POSITION, COLUMN_KEY))), 0) FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE()"
    ),
}


class SchemaCache:
    """`lookup(part, compute)`: the cached JSON-ready value of `compute()` for the current schema."""

    def __init__(self, db: ReadOnlyDatabase, redis: Redis | None, ttl_s: int = SCHEMA_CACHE_TTL_S) -> None:
        self.db = db
        self.redis = redis
        self.ttl_s = ttl_s
        self.hits = 0
        self.misses = 0

    @classmethod
    def from_url(cls, db: ReadOnlyDatabase, redis_url: str | None) -> SchemaCache:
        redis = Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2) if redis_url else None
        return cls(db, redis)

    def fingerprint(self) -> str:
        dialect = "mysql" if self.db.dialect in ("mysql", "mariadb") else self.db.dialect
        row = self.db.execute(FINGERPRINT_SQL[dialect]).rows[0]
        text = json.dumps([self.db.identity, [str(v) for v in row]])
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def lookup(self, part: str, compute: Callable[[], Any]) -> Any:
        if self.redis is None:
            self.misses += 1
            return compute()
        key = keys.schema_cache(self.fingerprint(), part)
        try:
            cached = self.redis.get(key)
        except RedisError as exc:  # no cache this time; do not wait on Redis again for this lookup
            log.warning("schema cache unavailable (%s); introspecting", type(exc).__name__)
            self.misses += 1
            return compute()
        if cached is not None:
            self.hits += 1
            self._count("hits")
            return json.loads(cached)
        value = json.loads(json.dumps(compute(), default=str))
        self.misses += 1
        try:
            self.redis.set(key, json.dumps(value), ex=self.ttl_s)
        except RedisError:
            pass
        self._count("misses")
        return value

    def _count(self, field: str) -> None:
        try:
            self.redis.hincrby(keys.SCHEMA_CACHE_STATS, field, 1)  # type: ignore[union-attr]
        except RedisError:
            pass

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def close(self) -> None:
        if self.redis is not None:
            self.redis.close()
