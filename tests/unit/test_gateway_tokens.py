"""Bearer tokens: HS256 with a shared secret, RS256 / ES256 against a JWKS served over real HTTP.

Every refusal is a 401 with `WWW-Authenticate: Bearer error="invalid_token"` and the reason in
error_description, and never quotes the token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time

import fakeredis
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from gateway_fixtures import gateway_settings, running_gateway
from identity_kit import AUDIENCE, ISSUER, SECRET, SigningKey, bearer, hs256, jwks_server, signed
from support.keys import HEADERS_A, KEY_A
from support.waiting import wait_until

from backend.app import create_app
from backend.config import ROOT
from backend.errors import ConfigError
from backend.principal import user_owner

ME = "/ai/api/me"


def token_settings(**overrides):
    return gateway_settings(
        **{"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, "jwt_leeway_s": 5, **overrides}
    )


def hs_settings(**overrides):
    return token_settings(jwt_secret=SECRET, **overrides)


async def me(settings, headers) -> tuple[int, dict, dict]:
    async with running_gateway(settings, fakeredis.FakeServer()) as client:
        response = await client.get(ME, headers=headers)
    return response.status_code, dict(response.headers), response.json()


def b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def assert_refused(result, reason: str, token: str) -> None:
    status, headers, body = result
    assert status == 401
    assert headers["www-authenticate"] == f'Bearer error="invalid_token", error_description="{reason}"'
    assert body["error"] == "invalid_token" and body["error_description"] == reason
    assert token not in json.dumps(body) and token not in headers["www-authenticate"]


async def test_a_valid_hs256_token_is_its_user():
    status, _, body = await me(hs_settings(), bearer(hs256("alice", name="Alice A.")))
    assert status == 200
    assert body == {"kind": "user", "via": "token", "name": "Alice A.", "owner": user_owner(ISSUER, "alice")}


async def test_the_display_name_falls_back_to_preferred_username():
    token = hs256("u1", name=None, preferred_username="alice.a")
    assert (await me(hs_settings(), bearer(token)))[2]["name"] == "alice.a"


async def test_the_owner_claim_is_configurable():
    token = hs256("ignored", oid="object-7")
    status, _, body = await me(hs_settings(jwt_owner_claim="oid"), bearer(token))
    assert status == 200 and body["owner"] == user_owner(ISSUER, "object-7")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": -60}, "token expired"),
        ({"nbf": 120}, "token not yet valid"),
        ({"aud": "another-app"}, "wrong audience"),
        ({"iss": "https://evil.test"}, "wrong issuer"),
        ({"exp": None}, "missing claim: exp"),
        ({"sub": None}, "missing claim: sub"),
    ],
    ids=["expired", "not-yet-valid", "wrong-audience", "wrong-issuer", "no-exp", "no-sub"],
)
async def test_a_token_failing_a_claim_check_is_refused_with_the_reason(overrides, reason):
    now = int(time.time())
    relative = {k: now + v if k in ("exp", "nbf") and v is not None else v for k, v in overrides.items()}
    token = hs256("alice", **relative)
    assert_refused(await me(hs_settings(), bearer(token)), reason, token)


async def test_expiry_within_the_leeway_is_accepted():
    token = hs256("alice", exp=int(time.time()) - 2)
    assert (await me(hs_settings(), bearer(token)))[0] == 200


async def test_a_token_signed_with_another_secret_is_a_bad_signature():
    token = hs256("alice", secret="another-secret-that-is-32-bytes-long")
    assert_refused(await me(hs_settings(), bearer(token)), "bad signature", token)


async def test_a_tampered_payload_is_a_bad_signature():
    head, _, sig = hs256("alice").split(".")
    token = f"{head}.{b64(jwt.decode(hs256('mallory'), options={'verify_signature': False}))}.{sig}"
    assert_refused(await me(hs_settings(), bearer(token)), "bad signature", token)


async def test_alg_none_is_refused():
    token = jwt.encode({"sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "exp": 2**31}, None, algorithm="none")
    assert_refused(await me(hs_settings(), bearer(token)), "algorithm not allowed", token)


async def test_an_algorithm_outside_the_list_is_refused():
    token = jwt.encode(
        {"sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "exp": 2**31}, SECRET * 2, algorithm="HS512"
    )
    assert_refused(await me(hs_settings(), bearer(token)), "algorithm not allowed", token)


async def test_garbage_is_a_malformed_token():
    assert_refused(await me(hs_settings(), bearer("not.a.jwt")), "malformed token", "not.a.jwt")


async def test_a_bad_token_is_refused_even_with_a_valid_api_key():
    token = hs256("alice", secret="another-secret-that-is-32-bytes-long")
    assert_refused(await me(hs_settings(), {**HEADERS_A, **bearer(token)}), "bad signature", token)


async def test_a_token_with_a_valid_api_key_is_the_user_and_remembers_the_key():
    status, _, body = await me(hs_settings(), {**HEADERS_A, **bearer(hs256("alice"))})
    assert status == 200 and body["owner"] == user_owner(ISSUER, "alice")


async def test_without_tokens_configured_an_authorization_header_is_ignored():
    status, _, body = await me(gateway_settings(), {"X-API-Key": KEY_A, **bearer(hs256("alice"))})
    assert status == 200 and body["kind"] == "key"


async def test_missing_credentials_keep_the_api_key_401_and_offer_bearer():
    status, headers, body = await me(hs_settings(), {})
    assert status == 401
    assert headers["www-authenticate"] == 'APIKey header="X-API-Key", Bearer'
    assert "X-API-Key" in body["detail"] and "bearer token" in body["detail"]


async def test_tokens_alone_run_a_gateway_without_api_keys():
    status, _, _ = await me(hs_settings(api_keys="", api_key=""), bearer(hs256("alice")))
    assert status == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"jwt_secret": SECRET, "jwt_issuer": ""}, "JWT_ISSUER and JWT_AUDIENCE"),
        ({"jwt_secret": "short"}, "at least 32 bytes"),
        ({"jwt_secret": SECRET, "jwt_algorithms": "HS256,none"}, "none"),
    ],
)
def test_unsafe_token_settings_refuse_to_start(overrides, message):
    with pytest.raises(ConfigError, match=message):
        create_app(token_settings(**overrides))


# ---- RS256 / ES256 against a JWKS served over HTTP ------------------------------------------------


def jwks_settings(url: str, **overrides):
    return token_settings(**{"jwt_jwks_url": url, "jwks_min_refresh_s": 0, **overrides})


@pytest.mark.parametrize("make", [SigningKey.rsa, SigningKey.ec], ids=["RS256", "ES256"])
async def test_a_token_signed_by_a_jwks_key_is_its_user(make):
    key = make("k1")
    with jwks_server(key) as idp:
        status, _, body = await me(jwks_settings(idp.url), bearer(signed(key, "bob")))
    assert status == 200 and body["owner"] == user_owner(ISSUER, "bob") and body["name"] == "Bob"


async def test_a_token_signed_by_a_key_outside_the_jwks_is_a_bad_signature():
    published, impostor = SigningKey.rsa("k1"), SigningKey.rsa("k1")
    token = signed(impostor, "bob")
    with jwks_server(published) as idp:
        assert_refused(await me(jwks_settings(idp.url), bearer(token)), "bad signature", token)


async def test_an_unknown_kid_is_refused_after_a_refetch_and_a_rotated_key_is_then_picked_up():
    old, new = SigningKey.ec("old"), SigningKey.ec("new")
    with jwks_server(old) as idp:
        async with running_gateway(jwks_settings(idp.url), fakeredis.FakeServer()) as client:
            assert (await client.get(ME, headers=bearer(signed(old, "bob")))).status_code == 200
            fetched = idp.hits
            unknown = await client.get(ME, headers=bearer(signed(new, "bob")))
            assert unknown.status_code == 401 and unknown.json()["error_description"] == "unknown key id"
            assert idp.hits == fetched + 1  # the unknown kid made it look again
            idp.keys = [new]  # the provider rotates
            rotated = await client.get(ME, headers=bearer(signed(new, "bob")))
    assert rotated.status_code == 200


async def test_unknown_kids_refetch_the_jwks_at_most_every_min_refresh():
    key = SigningKey.rsa("k1")
    with jwks_server(key) as idp:
        settings = jwks_settings(idp.url, jwks_min_refresh_s=3600)
        async with running_gateway(settings, fakeredis.FakeServer()) as client:
            for i in range(5):
                made_up = await client.get(ME, headers=bearer(signed(key, kid=f"made-up-{i}")))
                assert made_up.json()["error_description"] == "unknown key id"
    assert idp.hits == 1


async def test_an_rsa_public_key_cannot_be_used_as_an_hmac_secret():
    """The algorithm-confusion attack: HS256 "signed" with the provider's published public key
    (PyJWT will not sign that, so the token is put together by hand)."""
    key = SigningKey.rsa("k1")
    pem = key.private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    head = b64({"alg": "HS256", "typ": "JWT", "kid": "k1"})
    body = b64({"sub": "bob", "iss": ISSUER, "aud": AUDIENCE, "exp": 2**31})
    mac = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    token = f"{head}.{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    with jwks_server(key) as idp:
        assert_refused(await me(jwks_settings(idp.url), bearer(token)), "algorithm not allowed", token)


async def test_a_slow_jwks_fetch_does_not_block_other_requests():
    key = SigningKey.ec("k1")
    with jwks_server(key) as idp:
        idp.gate = threading.Event()
        async with running_gateway(jwks_settings(idp.url), fakeredis.FakeServer()) as client:
            waiting = asyncio.create_task(client.get(ME, headers=bearer(signed(key, "bob"))))
            await wait_until(lambda: idp.hits == 1)
            live = await client.get("/ai/api/health/live")  # answered while the fetch hangs
            idp.gate.set()
            signed_in = await waiting
    assert live.status_code == 200 and signed_in.status_code == 200
    assert idp.released == [True]  # the gate was opened by the test, not by its timeout


async def test_concurrent_requests_with_a_cold_cache_share_one_fetch():
    key = SigningKey.rsa("k1")
    with jwks_server(key) as idp:
        idp.gate = threading.Event()
        async with running_gateway(jwks_settings(idp.url), fakeredis.FakeServer()) as client:
            calls = [
                asyncio.create_task(client.get(ME, headers=bearer(signed(key, f"u{i}")))) for i in range(5)
            ]
            await wait_until(lambda: idp.hits == 1)
            await asyncio.sleep(0.05)
            idp.gate.set()
            answers = await asyncio.gather(*calls)
    assert [a.status_code for a in answers] == [200] * 5
    assert idp.hits == 1


async def test_a_jwks_that_never_answers_is_given_up_after_the_timeout():
    key = SigningKey.rsa("k1")
    with jwks_server(key) as idp:
        idp.gate = threading.Event()
        settings = jwks_settings(idp.url, jwks_timeout_s=0.3)
        status, _, body = await me(settings, bearer(signed(key, "bob")))
        idp.gate.set()
    assert status == 503 and "identity provider" in body["detail"]


async def test_an_unreachable_jwks_is_a_503_not_a_token_error():
    key = SigningKey.rsa("k1")
    settings = jwks_settings("http://127.0.0.1:9/jwks.json", jwks_timeout_s=1)
    status, headers, body = await me(settings, bearer(signed(key, "bob")))
    assert status == 503 and "Retry-After" in {k.title(): v for k, v in headers.items()}
    assert "identity provider" in body["detail"]


def test_python_m_backend_devtoken_mints_what_the_gateway_accepts():
    env = {**os.environ, "JWT_SECRET": SECRET, "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE}
    result = subprocess.run(
        [sys.executable, "-m", "backend.devtoken", "--sub", "alice", "--name", "Alice"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    claims = jwt.decode(result.stdout.strip(), SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert claims["sub"] == "alice" and claims["name"] == "Alice"


# ---- the devstack's demo user ----------------------------------------------------------------------


async def test_ui_config_hands_out_a_working_demo_token_only_with_ui_demo_user():
    async with running_gateway(hs_settings(ui_demo_user="demo"), fakeredis.FakeServer()) as client:
        config = (await client.get("/ai/api/ui-config")).json()
        who = (await client.get(ME, headers=bearer(config["demo_token"]))).json()
    assert config["tokens"] is True
    assert who["name"] == "Demo user" and who["owner"] == user_owner(ISSUER, "demo")
    async with running_gateway(hs_settings(), fakeredis.FakeServer()) as client:
        assert (await client.get("/ai/api/ui-config")).json()["demo_token"] is None
