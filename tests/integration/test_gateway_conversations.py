"""Conversation features on a real redis-server, through the in-process app: rename, search, export,
feedback and read-only shared links, each scoped to its owner (another key gets 404 / no results)."""

from __future__ import annotations

import json

import pytest
import redis.asyncio as aioredis
from support.fakeworker import FakeWorker
from support.keys import HEADERS_A, HEADERS_B

from contract import ToolStep, TranscriptMessage, keys
from tests.unit.gateway_fixtures import gateway_settings, running_gateway

pytestmark = pytest.mark.integration

CHAT = "/ai/api/chat/stream"
SESSIONS = "/ai/api/sessions"
TOOL_TURN = "7" * 32
"""The task id of the turn _with_tool_step writes."""


@pytest.fixture
async def worker(redis_server, real_redis):
    w = await FakeWorker.connect(redis_server.url).start()
    yield w
    await w.stop()


@pytest.fixture
def settings(redis_server):
    return gateway_settings(redis_url=redis_server.url)


@pytest.fixture
async def client(settings, redis_server, worker):
    def factory(s, purpose: str):
        return aioredis.Redis.from_url(redis_server.url, decode_responses=(purpose == "commands"))

    async with running_gateway(settings, None, redis_factory=factory) as c:
        yield c


async def chat(client, message, session_id=None, headers=HEADERS_A) -> str:
    body = {"message": message, **({"session_id": session_id} if session_id else {})}
    response = await client.post(CHAT, json=body, headers=headers)
    assert response.status_code == 200
    return response.headers["X-Session-ID"]


async def answer_id(client, session_id, headers=HEADERS_A) -> str:
    messages = (await client.get(f"{SESSIONS}/{session_id}", headers=headers)).json()["messages"]
    return [m for m in messages if m["role"] == "assistant"][-1]["task_id"]


async def test_rename_changes_the_title_in_the_list_and_the_session(client):
    sid = await chat(client, "first question")
    renamed = await client.patch(f"{SESSIONS}/{sid}", json={"title": "  Q3   numbers "}, headers=HEADERS_A)
    listing = (await client.get(SESSIONS, headers=HEADERS_A)).json()["sessions"]
    assert renamed.status_code == 200 and renamed.json()["title"] == "Q3 numbers"
    assert listing[0]["title"] == "Q3 numbers"


@pytest.mark.parametrize(
    ("title", "says"), [("   ", "must not be empty"), ("x" * 201, "at most 200 characters")]
)
async def test_rename_refuses_an_empty_or_too_long_title_with_422(client, title, says):
    sid = await chat(client, "q")
    response = await client.patch(f"{SESSIONS}/{sid}", json={"title": title}, headers=HEADERS_A)
    assert response.status_code == 422
    assert says in response.json()["detail"][0]["msg"]


async def test_rename_of_another_owners_session_is_404_and_changes_nothing(client):
    sid = await chat(client, "mine")
    response = await client.patch(f"{SESSIONS}/{sid}", json={"title": "stolen"}, headers=HEADERS_B)
    session = (await client.get(f"{SESSIONS}/{sid}", headers=HEADERS_A)).json()
    assert response.status_code == 404 and session["title"] == "mine"


async def test_rename_of_a_deleted_session_is_404_and_recreates_nothing(client, real_redis):
    sid = await chat(client, "gone soon")
    await client.delete(f"{SESSIONS}/{sid}", headers=HEADERS_A)
    response = await client.patch(f"{SESSIONS}/{sid}", json={"title": "back"}, headers=HEADERS_A)
    assert response.status_code == 404
    assert not await real_redis.exists(keys.session(sid))


async def test_search_matches_title_and_answer_text_with_a_snippet(client, worker):
    by_title = await chat(client, "Revenue by country")
    worker.answer = "Most customers live in Portugal and Brazil."
    by_text = await chat(client, "Where do customers live?")
    worker.answer = "Nothing to see."
    await chat(client, "Something else")
    title_hits = (await client.get(SESSIONS, params={"q": "REVENUE"}, headers=HEADERS_A)).json()
    text_hits = (await client.get(SESSIONS, params={"q": "portugal brazil"}, headers=HEADERS_A)).json()
    assert [s["session_id"] for s in title_hits["sessions"]] == [by_title]
    assert [s["session_id"] for s in text_hits["sessions"]] == [by_text]
    assert "Portugal" in text_hits["sessions"][0]["match"]
    assert text_hits["truncated"] is False


async def test_search_never_returns_another_owners_conversation(client):
    await chat(client, "secret revenue plan", headers=HEADERS_B)
    mine = await chat(client, "my revenue")
    hits = (await client.get(SESSIONS, params={"q": "revenue"}, headers=HEADERS_A)).json()["sessions"]
    assert [s["session_id"] for s in hits] == [mine]


async def test_search_reads_at_most_search_max_sessions_and_says_so(redis_server, worker):
    def factory(s, purpose: str):
        return aioredis.Redis.from_url(redis_server.url, decode_responses=(purpose == "commands"))

    settings = gateway_settings(redis_url=redis_server.url, search_max_sessions=2)
    async with running_gateway(settings, None, redis_factory=factory) as client:
        for question in ("old needle", "new one", "newest one"):
            await chat(client, question)
        found = (await client.get(SESSIONS, params={"q": "needle"}, headers=HEADERS_A)).json()
    assert found == {"sessions": [], "searched": 2, "truncated": True}


async def _with_tool_step(real_redis, sid: str) -> None:
    step = ToolStep(
        call_id="c1", name="run_query", message="Running SQL query", arguments={"sql": "SELECT 1"}, output="1"
    )
    for role, text in (("user", "count it"), ("assistant", "It is 1.")):
        message = TranscriptMessage(
            role=role,
            text=text,
            task_id=TOOL_TURN,
            created_at=1.0,
            status="completed" if role == "assistant" else None,
            tools=[step] if role == "assistant" else [],
        )
        await real_redis.rpush(keys.session_transcript(sid), message.model_dump_json())


async def test_export_markdown_has_turns_sql_status_and_feedback(client, real_redis):
    sid = await chat(client, "How many?")
    await _with_tool_step(real_redis, sid)
    await client.put(
        f"{SESSIONS}/{sid}/feedback/{TOOL_TURN}",
        json={"rating": "down", "comment": "wrong"},
        headers=HEADERS_A,
    )
    response = await client.get(f"{SESSIONS}/{sid}/export", params={"format": "markdown"}, headers=HEADERS_A)
    text = response.text
    assert response.headers["content-type"].startswith("text/markdown")
    assert f'filename="conversation-{sid}.md"' in response.headers["content-disposition"]
    assert text.startswith("# How many?")
    assert "## You" in text and "How many?" in text and "## Assistant" in text and "· completed" in text
    assert "```sql\nSELECT 1\n```" in text
    assert "> Feedback: 👎 down — wrong" in text


async def test_export_json_is_the_session_with_feedback(client):
    sid = await chat(client, "hello")
    task_id = await answer_id(client, sid)
    await client.put(f"{SESSIONS}/{sid}/feedback/{task_id}", json={"rating": "up"}, headers=HEADERS_A)
    response = await client.get(f"{SESSIONS}/{sid}/export", params={"format": "json"}, headers=HEADERS_A)
    body = json.loads(response.text)
    assert body["session_id"] == sid and body["title"] == "hello" and body["exported_at"] > 0
    assert [m["role"] for m in body["messages"]] == ["user", "assistant"]
    assert body["messages"][1]["status"] == "completed"
    assert body["messages"][1]["feedback"]["rating"] == "up"


async def test_export_of_another_owners_session_is_404(client):
    sid = await chat(client, "mine")
    response = await client.get(f"{SESSIONS}/{sid}/export", headers=HEADERS_B)
    assert response.status_code == 404


async def test_feedback_is_stored_with_the_turn_and_returned_with_the_session(client):
    sid = await chat(client, "q")
    task_id = await answer_id(client, sid)
    put = await client.put(
        f"{SESSIONS}/{sid}/feedback/{task_id}", json={"rating": "up", "comment": "spot on"}, headers=HEADERS_A
    )
    messages = (await client.get(f"{SESSIONS}/{sid}", headers=HEADERS_A)).json()["messages"]
    assert put.status_code == 200 and put.json()["rating"] == "up"
    assert messages[0].get("feedback") is None
    assert messages[1]["feedback"]["rating"] == "up" and messages[1]["feedback"]["comment"] == "spot on"


async def test_feedback_can_be_withdrawn(client):
    sid = await chat(client, "q")
    task_id = await answer_id(client, sid)
    await client.put(f"{SESSIONS}/{sid}/feedback/{task_id}", json={"rating": "up"}, headers=HEADERS_A)
    deleted = await client.delete(f"{SESSIONS}/{sid}/feedback/{task_id}", headers=HEADERS_A)
    messages = (await client.get(f"{SESSIONS}/{sid}", headers=HEADERS_A)).json()["messages"]
    assert deleted.status_code == 204 and messages[1]["feedback"] is None


async def test_feedback_on_an_unknown_answer_is_404(client):
    sid = await chat(client, "q")
    response = await client.put(
        f"{SESSIONS}/{sid}/feedback/{'f' * 32}", json={"rating": "up"}, headers=HEADERS_A
    )
    assert response.status_code == 404 and response.json()["detail"] == "Answer not found"


async def rate_new_answer(client, rating: str, headers=HEADERS_A):
    """Asks as key A, then rates that answer as `headers`."""
    sid = await chat(client, "q")
    task_id = await answer_id(client, sid)
    return await client.put(f"{SESSIONS}/{sid}/feedback/{task_id}", json={"rating": rating}, headers=headers)


async def test_feedback_rating_other_than_up_or_down_is_422(client):
    assert (await rate_new_answer(client, "meh")).status_code == 422


async def test_feedback_on_another_owners_answer_is_404(client):
    assert (await rate_new_answer(client, "down", headers=HEADERS_B)).status_code == 404


async def test_stats_count_each_rating_given_and_each_change(client):
    sid = await chat(client, "q")
    task_id = await answer_id(client, sid)
    url = f"{SESSIONS}/{sid}/feedback/{task_id}"
    for rating in ("up", "up", "down"):  # the repeated "up" is not a new rating
        await client.put(url, json={"rating": rating, "comment": rating}, headers=HEADERS_A)
    stats = (await client.get("/ai/api/stats")).json()
    assert stats == {"feedback": {"up": 1, "down": 1}}


async def _share(client, sid, headers=HEADERS_A):
    return await client.post(f"{SESSIONS}/{sid}/shares", headers=headers)


async def test_a_share_link_is_readable_with_no_credentials_and_hides_the_owner(client, worker):
    sid = await chat(client, "share me")
    created = await _share(client, sid)
    share_id = created.json()["share_id"]
    public = await client.get(f"/ai/api/shared/{share_id}")
    body = public.json()
    assert created.status_code == 201 and len(share_id) >= 22
    assert created.json()["url"] == f"/ai/static/#/shared/{share_id}"
    assert public.status_code == 200 and public.headers["cache-control"] == "no-store"
    assert set(body) == {"share_id", "title", "shared_at", "messages"}
    assert [m["text"] for m in body["messages"]] == ["share me", worker.answer]
    assert sid not in public.text and "owner" not in public.text


async def test_a_revoked_share_link_is_404(client):
    sid = await chat(client, "q")
    share_id = (await _share(client, sid)).json()["share_id"]
    revoked = await client.delete(f"/ai/api/shares/{share_id}", headers=HEADERS_A)
    after = await client.get(f"/ai/api/shared/{share_id}")
    assert revoked.status_code == 204 and after.status_code == 404


async def test_the_snapshot_does_not_change_when_the_conversation_continues(client):
    sid = await chat(client, "first")
    share_id = (await _share(client, sid)).json()["share_id"]
    await chat(client, "second", sid)
    await client.patch(f"{SESSIONS}/{sid}", json={"title": "renamed later"}, headers=HEADERS_A)
    body = (await client.get(f"/ai/api/shared/{share_id}")).json()
    assert body["title"] == "first"
    assert [m["text"] for m in body["messages"] if m["role"] == "user"] == ["first"]


async def test_another_owner_can_neither_share_nor_revoke(client):
    sid = await chat(client, "mine")
    foreign_share = await _share(client, sid, headers=HEADERS_B)
    share_id = (await _share(client, sid)).json()["share_id"]
    foreign_revoke = await client.delete(f"/ai/api/shares/{share_id}", headers=HEADERS_B)
    still = await client.get(f"/ai/api/shared/{share_id}")
    assert foreign_share.status_code == 404 and foreign_revoke.status_code == 404
    assert still.status_code == 200


async def test_an_unknown_share_id_is_404(client):
    response = await client.get("/ai/api/shared/" + "A" * 22)
    assert response.status_code == 404 and response.json()["detail"] == "Shared conversation not found"


async def test_the_share_list_holds_only_the_callers_links(client):
    mine = await chat(client, "mine")
    theirs = await chat(client, "theirs", headers=HEADERS_B)
    share_id = (await _share(client, mine)).json()["share_id"]
    await _share(client, theirs, headers=HEADERS_B)
    listing = (await client.get("/ai/api/shares", headers=HEADERS_A)).json()["shares"]
    assert [(s["share_id"], s["session_id"], s["title"]) for s in listing] == [(share_id, mine, "mine")]


async def test_deleting_a_session_revokes_its_links_and_drops_its_feedback(client, real_redis):
    sid = await chat(client, "q")
    task_id = await answer_id(client, sid)
    await client.put(f"{SESSIONS}/{sid}/feedback/{task_id}", json={"rating": "up"}, headers=HEADERS_A)
    share_id = (await _share(client, sid)).json()["share_id"]
    await client.delete(f"{SESSIONS}/{sid}", headers=HEADERS_A)
    assert (await client.get(f"/ai/api/shared/{share_id}")).status_code == 404
    assert (await client.get("/ai/api/shares", headers=HEADERS_A)).json()["shares"] == []
    assert not await real_redis.exists(keys.session_feedback(sid), keys.session_shares(sid))


async def test_feedback_and_share_ids_expire_with_their_session(client, real_redis, settings):
    sid = await chat(client, "q")
    task_id = await answer_id(client, sid)
    await client.put(f"{SESSIONS}/{sid}/feedback/{task_id}", json={"rating": "up"}, headers=HEADERS_A)
    await _share(client, sid)
    for key in (keys.session_feedback(sid), keys.session_shares(sid)):
        await real_redis.expire(key, 5)
    await chat(client, "a later question", sid)  # refreshes the session's TTL, and theirs
    for key in (keys.session(sid), keys.session_feedback(sid), keys.session_shares(sid)):
        assert await real_redis.ttl(key) > settings.session_ttl_s - 60, key
