"""Fixtures shared by the integration tests (real redis-server and processes come from tests/conftest.py)."""

from __future__ import annotations

import httpx2
import pytest


@pytest.fixture
async def client():
    """An HTTP client for the full-stack tests, with room for many concurrent streams."""
    async with httpx2.AsyncClient(limits=httpx2.Limits(max_connections=200)) as c:
        yield c
