"""Trusted-proxy mode: PROXY_USER_HEADER names the user only when a proxy key comes with it."""

from __future__ import annotations

import fakeredis
from gateway_fixtures import gateway_settings, running_gateway
from support.keys import KEY_A, PROXY_KEY

from backend.config import key_id
from backend.principal import user_owner

ME = "/ai/api/me"


async def me(headers: dict, **overrides) -> tuple[int, dict]:
    settings = gateway_settings(proxy_api_keys=PROXY_KEY, **overrides)
    async with running_gateway(settings, fakeredis.FakeServer()) as client:
        response = await client.get(ME, headers=headers)
    return response.status_code, response.json()


async def test_the_user_header_with_a_proxy_key_is_the_owner():
    status, body = await me({"X-API-Key": PROXY_KEY, "X-Forwarded-User": "carol"})
    assert status == 200
    assert body == {
        "kind": "user",
        "via": "proxy",
        "name": "carol",
        "owner": user_owner("trusted-proxy", "carol"),
    }


async def test_the_user_header_without_a_proxy_key_is_ignored():
    status, body = await me({"X-API-Key": KEY_A, "X-Forwarded-User": "carol"})
    assert status == 200
    assert body == {"kind": "key", "via": "key", "name": None, "owner": f"key:{key_id(KEY_A)}"}


async def test_the_user_header_alone_is_no_credential():
    status, _ = await me({"X-Forwarded-User": "carol"})
    assert status == 401


async def test_a_proxy_key_without_the_header_is_its_own_owner():
    assert (await me({"X-API-Key": PROXY_KEY}))[1]["owner"] == f"key:{key_id(PROXY_KEY)}"


async def test_the_proxy_name_header_is_the_display_name():
    headers = {
        "X-API-Key": PROXY_KEY,
        "X-Forwarded-User": "c123",
        "X-Forwarded-Preferred-Username": "Carol C.",
    }
    assert (await me(headers))[1]["name"] == "Carol C."


async def test_the_header_names_and_namespace_are_settings():
    headers = {"X-API-Key": PROXY_KEY, "X-Auth-Request-Email": "carol@example.com"}
    _, body = await me(
        headers, proxy_user_header="X-Auth-Request-Email", proxy_user_namespace="https://idp.test"
    )
    assert body["owner"] == user_owner("https://idp.test", "carol@example.com")


async def test_an_overlong_user_header_is_refused():
    status, _ = await me({"X-API-Key": PROXY_KEY, "X-Forwarded-User": "c" * 300})
    assert status == 400
