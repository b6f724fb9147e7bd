"""The API docs pages (backend/routes/docs.py): no inline script, every asset from the gateway itself, and
only the bundled files are served. That they render under the CSP is tests/e2e/test_api_docs.py."""

from __future__ import annotations

import re

import fakeredis
import pytest
from gateway_fixtures import gateway_settings, running_gateway


@pytest.mark.parametrize("path", ["/ai/api/docs", "/ai/api/redoc"])
async def test_docs_pages_load_only_local_scripts_and_no_inline_one(path):
    async with running_gateway(gateway_settings(), fakeredis.FakeServer()) as client:
        page = await client.get(path)
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
        assert page.status_code == 200 and scripts
        for attrs, body in scripts:
            (src,) = re.findall(r'src="([^"]+)"', attrs)
            assert src.startswith("/ai/api/docs/assets/") and body.strip() == ""
            asset = await client.get(src)
            assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")
        assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', page.text))


async def test_only_the_bundled_assets_are_served():
    async with running_gateway(gateway_settings(), fakeredis.FakeServer()) as client:
        assert (await client.get("/ai/api/docs/assets/swagger-ui.css")).status_code == 200
        assert (await client.get("/ai/api/docs/assets/core.py")).status_code == 404
        assert (await client.get("/ai/api/docs/assets/..%2Fcore.py")).status_code == 404


async def test_the_redoc_bundle_names_no_cdn_logo():
    async with running_gateway(gateway_settings(), fakeredis.FakeServer()) as client:
        bundle = await client.get("/ai/api/docs/assets/redoc.standalone.js")
    assert "cdn.redoc.ly" not in bundle.text
