"""The public share route's rate limit per client IP (SHARE_RATE_LIMIT, backend/limits.py ClientRate):
a 429 names "share_rate" with Retry-After, each client IP (the forwarded one behind a trusted proxy)
has its own budget, and an empty setting means no limit."""

from __future__ import annotations

import contextlib

import httpx2
from gateway_fixtures import gateway_settings as settings
from gateway_fixtures import running_gateway
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

SHARED = "/ai/api/shared/unknown-share-id-0001"


@contextlib.asynccontextmanager
async def client_from(app, ip: str):
    transport = httpx2.ASGITransport(app=app, client=(ip, 40000), raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


async def test_reads_past_the_limit_get_429_naming_share_rate_with_retry_after(server):
    async with running_gateway(settings(share_rate_limit="2/minute"), server) as client:
        statuses = [(await client.get(SHARED)).status_code for _ in range(2)]
        refused = await client.get(SHARED)
    assert statuses == [404, 404]
    assert refused.status_code == 429
    assert refused.json() == {
        "detail": "Rate limit exceeded: too many reads of shared conversations from this address",
        "limit": "share_rate",
    }
    assert 0 < int(refused.headers["Retry-After"]) <= 60


async def test_each_client_ip_has_its_own_budget(server):
    async with running_gateway(settings(share_rate_limit="1/minute"), server) as gateway:
        async with client_from(gateway.app, "192.0.2.1") as one, client_from(gateway.app, "192.0.2.2") as two:
            first = [(await one.get(SHARED)).status_code for _ in range(2)]
            second = (await two.get(SHARED)).status_code
    assert first == [404, 429]
    assert second == 404


async def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(server):
    async with running_gateway(settings(share_rate_limit="1/minute"), server) as gateway:
        proxied = ProxyHeadersMiddleware(gateway.app, trusted_hosts="127.0.0.1")
        async with client_from(proxied, "127.0.0.1") as proxy:
            alice = [
                (await proxy.get(SHARED, headers={"X-Forwarded-For": "198.51.100.7"})).status_code
                for _ in range(2)
            ]
            bob = (await proxy.get(SHARED, headers={"X-Forwarded-For": "198.51.100.8"})).status_code
    assert alice == [404, 429]
    assert bob == 404


async def test_an_empty_setting_means_no_limit(server):
    async with running_gateway(settings(share_rate_limit=""), server) as client:
        statuses = {(await client.get(SHARED)).status_code for _ in range(5)}
    assert statuses == {404}
