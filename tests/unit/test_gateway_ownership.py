"""Nobody reaches another owner's things, through any route, whichever way each side signs in.

The table below names every route that takes an owner (they are enumerated from the app, so a new
route fails test_every_owner_route_is_in_the_table until it is added here) and what "refused" means
for it: 404 as for a missing resource, or a list / identity that does not include the other owner's.
Each pair runs the owner's chat through the real gateway app on a real redis-server, then the intruder
tries every route on the owner's session and task, then the owner checks that nothing changed.
"""

from __future__ import annotations

import contextlib

import httpx2
import pytest
from gateway_fixtures import gateway_settings, task_events
from identity_kit import AUDIENCE, ISSUER, SECRET, bearer, hs256
from support.fakeworker import FakeWorker
from support.keys import HEADERS_A, KEY_A, PROXY_KEY

from backend.app import create_app
from backend.config import key_id
from backend.connections import connect

CALLERS = {  # headers per caller; tokens are minted when a test runs (they expire in minutes)
    "alice": lambda: bearer(hs256("alice")),
    "bob": lambda: bearer(hs256("bob")),
    "key_a": lambda: HEADERS_A,
    "carol_via_proxy": lambda: {"X-API-Key": PROXY_KEY, "X-Forwarded-User": "carol"},
    "proxy_key_alone": lambda: {"X-API-Key": PROXY_KEY},
    "alice_via_proxy": lambda: {"X-API-Key": PROXY_KEY, "X-Forwarded-User": "alice"},
    "token_sub_is_key_a": lambda: bearer(hs256(f"key:{key_id(KEY_A)}")),
}
PAIRS = [  # (owner, intruder)
    ("alice", "bob"),
    ("bob", "alice"),
    ("alice", "key_a"),
    ("key_a", "alice"),
    ("carol_via_proxy", "proxy_key_alone"),
    ("proxy_key_alone", "carol_via_proxy"),
    ("alice", "alice_via_proxy"),
    ("key_a", "token_sub_is_key_a"),
]


async def _chat(client, headers, ids):
    r = await client.post(
        "/ai/api/chat/stream", json={"message": "mine?", "session_id": ids["session"]}, headers=headers
    )
    return r.status_code == 404


async def _chat_json(client, headers, ids):
    r = await client.post(
        "/ai/api/chat", json={"message": "mine?", "session_id": ids["session"]}, headers=headers
    )
    return r.status_code == 404


async def _completions(client, headers, ids):
    """The owner's conversation sent back by someone else starts a session of theirs, not the owner's."""
    said = [{"role": "user", "content": "mine"}, {"role": "assistant", "content": FakeWorker.answer}]
    body = {"model": "analytics", "messages": [*said, {"role": "user", "content": "more?"}]}
    r = await client.post("/v1/chat/completions", json=body, headers=headers)
    return r.status_code == 200 and r.json()["agent_stream"]["session_id"] != ids["session"]


async def _models(client, headers, ids):
    return (await client.get("/v1/models", headers=headers)).status_code == 200  # the same for everyone


async def _agents(client, headers, ids):
    return (await client.get("/ai/api/agents", headers=headers)).status_code == 200  # the same for everyone


async def _list(client, headers, ids):
    r = await client.get("/ai/api/sessions", headers=headers)
    return r.status_code == 200 and ids["session"] not in {s["session_id"] for s in r.json()["sessions"]}


async def _me(client, headers, ids):
    r = await client.get("/ai/api/me", headers=headers)
    return r.status_code == 200 and r.json()["owner"] != ids["owner"]


async def _search(client, headers, ids):
    r = await client.get("/ai/api/sessions", params={"q": "mine"}, headers=headers)
    return r.status_code == 200 and ids["session"] not in {s["session_id"] for s in r.json()["sessions"]}


async def _shares(client, headers, ids):
    r = await client.get("/ai/api/shares", headers=headers)
    return r.status_code == 200 and ids["share"] not in {s["share_id"] for s in r.json()["shares"]}


def _not_found(method: str, path: str, body: dict | None = None):
    async def probe(client, headers, ids):
        url = path.format(session_id=ids["session"], task_id=ids["task"], share_id=ids["share"])
        return (await client.request(method, url, headers=headers, json=body)).status_code == 404

    return probe


def _nf(method: str, path: str, body: dict | None = None):
    return (method, path), _not_found(method, path, body)


OWNER_ROUTES = {
    ("POST", "/ai/api/chat/stream"): _chat,
    ("POST", "/ai/api/chat"): _chat_json,
    ("POST", "/v1/chat/completions"): _completions,
    ("GET", "/v1/models"): _models,
    ("GET", "/ai/api/agents"): _agents,
    ("GET", "/ai/api/tasks/{task_id}"): _not_found("GET", "/ai/api/tasks/{task_id}"),
    ("GET", "/ai/api/tasks/{task_id}/events"): _not_found("GET", "/ai/api/tasks/{task_id}/events"),
    ("POST", "/ai/api/tasks/{task_id}/cancel"): _not_found("POST", "/ai/api/tasks/{task_id}/cancel"),
    ("POST", "/ai/api/tasks/{task_id}/approvals/{approval_id}"): _not_found(
        "POST", "/ai/api/tasks/{task_id}/approvals/" + "a" * 32, {"approve": True}
    ),
    ("GET", "/ai/api/sessions"): _list,
    ("GET", "/ai/api/sessions/{session_id}"): _not_found("GET", "/ai/api/sessions/{session_id}"),
    ("DELETE", "/ai/api/sessions/{session_id}"): _not_found("DELETE", "/ai/api/sessions/{session_id}"),
    ("GET", "/ai/api/me"): _me,
    ("GET", "/ai/api/shares"): _shares,
} | dict(
    [
        _nf("PATCH", "/ai/api/sessions/{session_id}", {"title": "taken over"}),
        _nf("GET", "/ai/api/sessions/{session_id}/export"),
        _nf("PUT", "/ai/api/sessions/{session_id}/feedback/{task_id}", {"rating": "down"}),
        _nf("DELETE", "/ai/api/sessions/{session_id}/feedback/{task_id}"),
        _nf("POST", "/ai/api/sessions/{session_id}/shares"),
        _nf("DELETE", "/ai/api/shares/{share_id}"),
    ]
)
SEARCH = _search


def settings(redis_url: str):
    return gateway_settings(
        redis_url=redis_url,
        proxy_api_keys=PROXY_KEY,
        jwt_secret=SECRET,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )


def owner_routes(app) -> set[tuple[str, str]]:
    """Every operation that takes credentials (FastAPI lists the security schemes a route depends
    on, through any depth of dependencies, in its OpenAPI operation)."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }


def test_every_owner_route_is_in_the_table():
    app = create_app(settings("redis://unused:6379/0"))
    assert owner_routes(app) == set(OWNER_ROUTES)


@contextlib.asynccontextmanager
async def real_gateway(redis_url: str):
    app = create_app(settings(redis_url), redis_factory=connect)
    worker = await FakeWorker.connect(redis_url).start()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx2.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
                yield client
    finally:
        await worker.stop()


@pytest.mark.parametrize("route", sorted(OWNER_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize(("owner", "intruder"), PAIRS, ids=[f"{o}-vs-{i}" for o, i in PAIRS])
async def test_an_intruder_cannot_reach_the_owners_things(redis_server, real_redis, route, owner, intruder):
    mine_headers, theirs = CALLERS[owner](), CALLERS[intruder]()
    async with real_gateway(redis_server.url) as client:
        started = await client.post("/ai/api/chat/stream", json={"message": "mine"}, headers=mine_headers)
        assert started.status_code == 200 and task_events(started.content)[-1]["type"] == "complete"
        whoami = (await client.get("/ai/api/me", headers=mine_headers)).json()["owner"]
        session, task_id = started.headers["X-Session-ID"], started.headers["X-Task-ID"]
        shared = await client.post(f"/ai/api/sessions/{session}/shares", headers=mine_headers)
        ids = {"session": session, "task": task_id, "owner": whoami, "share": shared.json()["share_id"]}

        assert await OWNER_ROUTES[route](client, theirs, ids), f"{intruder} reached {owner}'s {route}"
        if route == ("GET", "/ai/api/sessions"):
            assert await SEARCH(client, theirs, ids), f"{intruder} found {owner}'s session"

        mine = await client.get(f"/ai/api/sessions/{ids['session']}", headers=mine_headers)
        assert mine.status_code == 200 and mine.json()["message_count"] == 2
        assert mine.json()["title"] != "taken over"
        assert not any(m.get("feedback") for m in mine.json()["messages"])
        shares = (await client.get("/ai/api/shares", headers=mine_headers)).json()["shares"]
        assert ids["share"] in {s["share_id"] for s in shares}
        task = await client.get(f"/ai/api/tasks/{ids['task']}", headers=mine_headers)
        assert task.json()["status"] == "completed" and not task.json()["cancel_requested"]
