"""The embedded redis-server the one-command start and the tests use."""

from __future__ import annotations

import pytest
import redis

from devstack.redis_server import RedisServer

pytestmark = pytest.mark.integration


def test_appendonly_redis_keeps_its_data_across_a_restart_on_the_same_port():
    server = RedisServer(appendonly=True).start()
    try:
        redis.Redis(port=server.port).set("k", "v", ex=3600)
        port = server.port
        server.restart()
        assert server.port == port
        assert redis.Redis(port=server.port).get("k") == b"v"
    finally:
        server.stop()


def test_default_redis_starts_empty_after_a_restart():
    server = RedisServer().start()
    try:
        redis.Redis(port=server.port).set("k", "v")
        server.restart()
        assert redis.Redis(port=server.port).get("k") is None
    finally:
        server.stop()
