"""Security headers, request ids, the JSON 500, CORS."""

from __future__ import annotations

import fakeredis
from gateway_fixtures import gateway_settings, running_gateway

from backend.middleware import clean_request_id


async def test_every_response_carries_the_security_headers():
    async with running_gateway(gateway_settings(), fakeredis.FakeServer()) as client:
        response = await client.get("/ai/api/health/live")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


async def test_request_id_is_generated_when_absent():
    async with running_gateway(gateway_settings(), fakeredis.FakeServer()) as client:
        one = await client.get("/ai/api/health/live")
        two = await client.get("/ai/api/health/live")
    assert len(one.headers["X-Request-ID"]) == 32
    assert one.headers["X-Request-ID"] != two.headers["X-Request-ID"]


def test_request_id_is_sanitised_and_capped():
    assert clean_request_id("abc<script>\r\n-1") == "abcscript-1"
    assert len(clean_request_id("a" * 500)) == 128
    assert len(clean_request_id("<>")) == 32


async def test_unhandled_error_is_json_500_without_internals(caplog):
    async with running_gateway(gateway_settings(), fakeredis.FakeServer()) as client:
        app = client.app

        @app.get("/ai/api/boom")
        async def boom():
            raise RuntimeError("secret internals /etc/passwd")

        response = await client.get("/ai/api/boom", headers={"X-Request-ID": "rid-9"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error", "request_id": "rid-9"}
    assert "secret" not in response.text
    assert response.headers["X-Request-ID"] == "rid-9"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert any("secret internals" in (r.exc_text or "") for r in caplog.records)


async def test_cors_exposes_the_task_headers_to_allowed_origins():
    settings = gateway_settings(allowed_origins="http://ui.example")
    async with running_gateway(settings, fakeredis.FakeServer()) as client:
        response = await client.options(
            "/ai/api/chat/stream",
            headers={
                "Origin": "http://ui.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-api-key,content-type",
            },
        )
        simple = await client.get("/ai/api/health/live", headers={"Origin": "http://ui.example"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://ui.example"
    exposed = simple.headers["Access-Control-Expose-Headers"]
    assert "X-Task-ID" in exposed and "X-Request-ID" in exposed and "Content-Location" in exposed


async def test_no_cors_headers_without_allowed_origins():
    async with running_gateway(gateway_settings(), fakeredis.FakeServer()) as client:
        response = await client.get("/ai/api/health/live", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
