"""The built React UI at /ai/static, with cache rules that make deploys safe.

Vite fingerprints everything under /assets/ (name-<hash>.js), so those are immutable for a year;
index.html names the current hashes and must be revalidated on every load (`no-cache`), or a
browser keeps running an old bundle against a new API. If frontend/dist has not been built the
gateway still starts and serves a small page saying so (the API works without the UI).
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>UI not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style>
</head><body><h1>The chat UI is not built</h1>
<p>The API is running at <code>/ai/api</code>. Build the UI with
<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code> and reload this page.</p>
</body></html>"""


class UiFiles:
    """StaticFiles over STATIC_DIR plus Cache-Control, or the placeholder while dist is missing
    (checked per request, so a UI built after start is picked up)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = StaticFiles(directory=directory, html=True, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (self.directory / "index.html").is_file():
            response = HTMLResponse(PLACEHOLDER, headers={"Cache-Control": REVALIDATE})
            await response(scope, receive, send)
            return
        path, root = scope.get("path", ""), scope.get("root_path", "")
        route_path = path[len(root) :] if root and path.startswith(root) else path
        cache = IMMUTABLE if route_path.startswith("/assets/") else REVALIDATE

        async def send_with_cache(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status", 200) < 400:
                MutableHeaders(scope=message)["Cache-Control"] = cache
            await send(message)

        await self.files(scope, receive, send_with_cache)
