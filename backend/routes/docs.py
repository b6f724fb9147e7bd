"""Swagger UI at /ai/api/docs and ReDoc at /ai/api/redoc, served from the gateway itself.

Why not FastAPI's built-in pages: they load their scripts from a CDN and start Swagger UI with an inline
<script>, and the gateway's CSP (backend/middleware.py: `script-src 'self'`) rightly refuses both. Here
the pages are static HTML with no inline script: the Swagger UI and ReDoc bundles come from the
fastapi-offline package (a PyPI package, so they ship with the gateway's own install, whether or not the
UI is built), and Swagger UI is started by a small script served from this module. The spec URL travels
in a data attribute. The assets are a fixed allow-list of files, never a path from the request.
Two settings keep every request on the origin: Swagger UI's validator badge is off (`validatorUrl:
null`; it would call validator.swagger.io for any non-localhost spec URL), and ReDoc runs without its
search (`disable-search`: the search index runs in a blob: worker, which `worker-src` refuses). ReDoc's
sidebar footer hard-codes its logo from cdn.redoc.ly, so the bundle is served with that one URL pointed
at the local favicon (patched once in memory, the file on disk is untouched).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from backend.errors import ApiError

PREFIX = "/ai/api"
ASSETS = f"{PREFIX}/docs/assets"
OPENAPI_URL = f"{PREFIX}/openapi.json"
_BUNDLED = Path(fastapi_offline.__file__).parent / "static"
_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}
_CACHE = {"Cache-Control": "public, max-age=86400"}
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _redoc_bundle() -> bytes:
    source = (_BUNDLED / "redoc.standalone.js").read_text(encoding="utf-8")
    return source.replace(REDOC_LOGO, f"{ASSETS}/favicon.png").encode()


_REDOC_JS = _redoc_bundle()

SWAGGER_INIT_JS = """\
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    validatorUrl: null,
  });
})();
"""

SWAGGER_HTML = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Agent gateway - Swagger UI</title>
<link rel="icon" href="{ASSETS}/favicon.png">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-spec-url="{OPENAPI_URL}"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/swagger-init.js"></script>
</body>
</html>
"""

REDOC_HTML = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Agent gateway - ReDoc</title>
<link rel="icon" href="{ASSETS}/favicon.png">
</head>
<body>
<redoc spec-url="{OPENAPI_URL}" disable-search></redoc>
<script src="{ASSETS}/redoc.standalone.js"></script>
</body>
</html>
"""

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return HTMLResponse(SWAGGER_HTML)


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return HTMLResponse(REDOC_HTML)


@router.get("/docs/assets/swagger-init.js")
async def swagger_init() -> Response:
    return Response(SWAGGER_INIT_JS, media_type="text/javascript", headers=_CACHE)


@router.get("/docs/assets/redoc.standalone.js")
async def redoc_bundle() -> Response:
    return Response(_REDOC_JS, media_type="text/javascript", headers=_CACHE)


@router.get("/docs/assets/{name}")
async def asset(name: str) -> FileResponse:
    if name not in _FILES:
        raise ApiError(404, "no such docs asset")
    return FileResponse(_BUNDLED / name, media_type=_FILES[name], headers=_CACHE)
