"""X-API-Key authentication."""

from __future__ import annotations

import os
import subprocess
import sys

import fakeredis
import pytest
from gateway_fixtures import gateway_settings, running_gateway
from support.keys import KEY_A

from backend.app import create_app
from backend.auth import ApiKeys
from backend.config import ROOT, key_id
from backend.errors import ConfigError

CHAT = "/ai/api/chat/stream"


async def test_missing_key_is_401_with_www_authenticate():
    async with running_gateway(gateway_settings(), fakeredis.FakeServer()) as client:
        response = await client.post(CHAT, json={"message": "hi"})
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == 'APIKey header="X-API-Key"'


async def test_wrong_key_is_401():
    async with running_gateway(gateway_settings(), fakeredis.FakeServer()) as client:
        response = await client.get("/ai/api/sessions", headers={"X-API-Key": "nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid API key"}


def test_owner_is_the_namespaced_key_id_of_the_matching_key():
    keys = ApiKeys(["one", KEY_A])
    assert keys.owner(KEY_A) == f"key:{key_id(KEY_A)}"
    assert keys.owner(KEY_A + "x") is None
    assert keys.owner("") is None


def test_app_refuses_to_start_without_api_keys():
    with pytest.raises(ConfigError, match="No API keys"):
        create_app(gateway_settings(api_keys="", api_key=""))


def test_python_m_backend_exits_with_a_clear_message_without_api_keys():
    env = {**os.environ, "API_KEYS": "", "API_KEY": "", "LOG_JSON": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "backend"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "No API keys configured" in result.stderr
