"""Rate limits and open-stream caps per user and per API key (backend/limits.py): each user has their
own budget, the key's ceiling caps its users together, a key alone has the key's numbers; a 429 names
the limit it hit; a refused chat counts against nothing and holds nothing; RateLimit-* headers."""

from __future__ import annotations

import asyncio
import time

import fakeredis
from gateway_fixtures import gateway_settings, running_gateway
from identity_kit import AUDIENCE, ISSUER, SECRET, bearer, hs256
from support.keys import HEADERS_A, HEADERS_B, KEY_A, PROXY_KEY
from support.waiting import wait_until

from backend.config import key_id
from backend.limits import StreamSlots
from backend.principal import Principal, key_owner, user_owner
from contract import ChatTask, keys

CHAT = "/ai/api/chat/stream"
KEY = key_owner(key_id(PROXY_KEY))
KEY_A_OWNER = key_owner(key_id(KEY_A))


def settings(**overrides):
    return gateway_settings(proxy_api_keys=PROXY_KEY, **overrides)


def as_user(name: str) -> dict[str, str]:
    return {"X-API-Key": PROXY_KEY, "X-Forwarded-User": name}


def user(name: str) -> str:
    return user_owner("trusted-proxy", name)


async def chat(client, headers: dict):
    return await client.post(CHAT, json={"message": "hi"}, headers=headers)


async def counters(redis) -> list[str]:
    return sorted([k async for k in redis.scan_iter(keys.rate_counter("*", "*"))])


async def queued_task(redis) -> str:
    queued = await wait_until(lambda: redis.lrange(keys.TASK_QUEUE, 0, -1))
    return ChatTask.model_validate_json(queued[0]).task_id


async def test_two_users_behind_one_key_each_have_their_own_rate_budget(server, worker):
    async with running_gateway(settings(rate_limit="1/minute", key_rate_limit="10/minute"), server) as client:
        alice = [(await chat(client, as_user("alice"))) for _ in range(2)]
        bob = await chat(client, as_user("bob"))
    assert [r.status_code for r in alice] == [200, 429]
    assert alice[1].json() == {
        "detail": "Rate limit exceeded: too many new chats for this user",
        "limit": "user_rate",
    }
    assert 0 < int(alice[1].headers["Retry-After"]) <= 60
    assert bob.status_code == 200


async def test_the_keys_rate_ceiling_caps_its_users_together(server, worker):
    async with running_gateway(settings(rate_limit="5/minute", key_rate_limit="2/minute"), server) as client:
        codes = [(await chat(client, as_user(name))).status_code for name in ("alice", "bob")]
        carol = await chat(client, as_user("carol"))
        other_key = await chat(client, HEADERS_A)
    assert codes == [200, 200]
    assert carol.status_code == 429 and carol.json()["limit"] == "key_rate"
    assert "this API key" in carol.json()["detail"]
    assert 0 < int(carol.headers["Retry-After"]) <= 60
    assert other_key.status_code == 200


async def test_a_key_alone_has_the_key_numbers(server, worker):
    async with running_gateway(
        gateway_settings(rate_limit="1/minute", key_rate_limit="2/minute"), server
    ) as client:
        codes = [(await chat(client, HEADERS_A)).status_code for _ in range(3)]
        limited = await chat(client, HEADERS_A)
        other_key = await chat(client, HEADERS_B)
    assert codes == [200, 200, 429]
    assert limited.json()["limit"] == "key_rate" and int(limited.headers["Retry-After"]) > 0
    assert other_key.status_code == 200


async def test_a_token_alone_counts_against_its_users_budget_only(server, worker, redis):
    tokens = {"jwt_secret": SECRET, "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE}
    async with running_gateway(gateway_settings(rate_limit="1/minute", **tokens), server) as client:
        first = await chat(client, bearer(hs256("alice")))
        second = await chat(client, bearer(hs256("alice")))
        with_key = await chat(client, {**HEADERS_A, **bearer(hs256("bob"))})
    assert (first.status_code, second.status_code) == (200, 429)
    assert second.json()["limit"] == "user_rate"
    assert with_key.status_code == 200
    alice, bob = user_owner(ISSUER, "alice"), user_owner(ISSUER, "bob")
    assert await counters(redis) == sorted(
        [
            *(keys.rate_counter(owner, "1/1minute") for owner in (alice, bob)),
            keys.rate_counter(KEY_A_OWNER, "1000/1minute"),
        ]
    )


async def test_stream_caps_are_per_user_with_a_ceiling_per_key(server, worker, redis):
    worker.hold = True
    caps = settings(max_streams_per_user=1, max_streams_per_key=2)
    async with running_gateway(caps, server) as client:
        held = [asyncio.create_task(chat(client, as_user("alice")))]
        await wait_until(lambda: redis.zcard(keys.owner_streams(user("alice"))))
        alice_again = await chat(client, as_user("alice"))
        held.append(asyncio.create_task(chat(client, as_user("bob"))))
        await wait_until(lambda: redis.zcard(keys.owner_streams(user("bob"))))
        carol = await chat(client, as_user("carol"))
        held.append(asyncio.create_task(chat(client, HEADERS_A)))  # another key, its own ceiling
        await wait_until(lambda: redis.zcard(keys.owner_streams(KEY_A_OWNER)))
        assert await redis.zcard(keys.owner_streams(KEY)) == 2
        worker.hold = False
        assert [(await t).status_code for t in held] == [200, 200, 200]
        for owner in (user("alice"), user("bob"), KEY):
            await wait_until(lambda owner=owner: _empty(redis, keys.owner_streams(owner)))
    assert alice_again.status_code == 429 and alice_again.json() == {
        "detail": "too many open streams for this user (at most 1)",
        "limit": "user_streams",
    }
    assert carol.status_code == 429 and carol.json()["limit"] == "key_streams"
    assert "at most 2" in carol.json()["detail"]
    assert alice_again.headers["Retry-After"] == carol.headers["Retry-After"] == "5"


async def _empty(redis, name: str) -> bool:
    return await _holds(redis, name, 0)


async def _holds(redis, name: str, n: int) -> bool:
    return await redis.zcard(name) == n


async def queue_holds(redis, n: int) -> bool:
    return await redis.llen(keys.TASK_QUEUE) == n


async def test_a_key_alone_has_the_keys_stream_cap(server, worker, redis):
    worker.hold = True
    async with running_gateway(
        gateway_settings(max_streams_per_user=1, max_streams_per_key=2), server
    ) as client:
        held = [asyncio.create_task(chat(client, HEADERS_A)) for _ in range(2)]
        await wait_until(lambda: queue_holds(redis, 2))
        capped = await chat(client, HEADERS_A)
        worker.hold = False
        assert [(await t).status_code for t in held] == [200, 200]
    assert capped.status_code == 429 and capped.json()["limit"] == "key_streams"


async def test_a_chat_refused_by_the_key_writes_nothing_and_costs_its_user_nothing(server, worker, redis):
    worker.hold = True
    limits = settings(rate_limit="1/minute", max_streams_per_key=1)
    async with running_gateway(limits, server) as client:
        alice = asyncio.create_task(chat(client, as_user("alice")))
        await wait_until(lambda: redis.llen(keys.TASK_QUEUE))
        refused = await chat(client, as_user("bob"))
        assert refused.json()["limit"] == "key_streams"
        assert await redis.llen(keys.TASK_QUEUE) == 1
        assert await redis.zcard(keys.owner_streams(user("bob"))) == 0
        assert await redis.zcard(keys.owner_streams(KEY)) == 1
        assert keys.rate_counter(user("bob"), "1/1minute") not in await counters(redis)
        worker.hold = False
        await alice
        await wait_until(lambda: _empty(redis, keys.owner_streams(KEY)))
        again = await chat(client, as_user("bob"))  # his one chat a minute was never spent
    assert again.status_code == 200
    assert [t.owner for t in worker.taken] == [user("alice"), user("bob")]


async def test_a_rate_limited_chat_writes_nothing_and_holds_no_stream_slot(server, worker, redis):
    async with running_gateway(settings(rate_limit="1/minute"), server) as client:
        assert (await chat(client, as_user("alice"))).status_code == 200
        await wait_until(lambda: _empty(redis, keys.owner_streams(KEY)))
        limited = await chat(client, as_user("alice"))
    assert limited.json()["limit"] == "user_rate"
    assert len(worker.taken) == 1 and await redis.llen(keys.TASK_QUEUE) == 0
    assert await redis.zcard(keys.owner_streams(user("alice"))) == 0
    assert await redis.zcard(keys.owner_streams(KEY)) == 0
    assert int(await redis.get(keys.rate_counter(KEY, "1000/1minute"))) == 1


async def test_a_resumed_stream_holds_a_slot_in_both_sets_and_gives_both_back(server, worker, redis):
    worker.hold = True
    async with running_gateway(settings(), server) as client:
        first = asyncio.create_task(chat(client, as_user("alice")))
        task_id = await queued_task(redis)
        resumed = asyncio.create_task(client.get(f"/ai/api/tasks/{task_id}/events", headers=as_user("alice")))
        for name in (keys.owner_streams(user("alice")), keys.owner_streams(KEY)):
            await wait_until(lambda name=name: _holds(redis, name, 2))
        worker.hold = False
        assert ((await first).status_code, (await resumed).status_code) == (200, 200)
        for name in (keys.owner_streams(user("alice")), keys.owner_streams(KEY)):
            await wait_until(lambda name=name: _empty(redis, name))


async def test_a_resumed_stream_past_the_users_cap_is_refused(server, worker, redis):
    worker.hold = True
    async with running_gateway(settings(max_streams_per_user=1), server) as client:
        first = asyncio.create_task(chat(client, as_user("alice")))
        task_id = await queued_task(redis)
        resumed = await client.get(f"/ai/api/tasks/{task_id}/events", headers=as_user("alice"))
        worker.hold = False
        await first
    assert resumed.status_code == 429 and resumed.json()["limit"] == "user_streams"


async def test_ratelimit_headers_name_the_limit_closest_to_running_out(server, worker):
    limits = settings(rate_limit="3/minute", key_rate_limit="4/minute;100/hour")
    async with running_gateway(limits, server) as client:
        alice = [await chat(client, as_user("alice")) for _ in range(2)]
        bob = [await chat(client, as_user("bob")) for _ in range(2)]
        limited = await chat(client, as_user("carol"))
    seen = [(r.headers["RateLimit-Limit"], r.headers["RateLimit-Remaining"]) for r in alice + bob]
    assert seen == [("3", "2"), ("3", "1"), ("4", "1"), ("4", "0")]
    assert all(0 < int(r.headers["RateLimit-Reset"]) <= 60 for r in alice + bob)
    assert limited.json()["limit"] == "key_rate"
    assert (limited.headers["RateLimit-Limit"], limited.headers["RateLimit-Remaining"]) == ("4", "0")
    assert limited.headers["RateLimit-Reset"] == limited.headers["Retry-After"]


async def test_ratelimit_headers_can_be_turned_off(server, worker):
    async with running_gateway(gateway_settings(rate_limit_headers=False), server) as client:
        response = await chat(client, HEADERS_A)
    assert response.status_code == 200
    assert not [name for name in response.headers if name.lower().startswith("ratelimit")]


async def test_the_lease_refresh_extends_a_slot_in_the_users_and_the_keys_set():
    redis = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    slots = StreamSlots(redis, settings(stream_lease_s=60))
    alice = Principal(owner=user("alice"), via="proxy", key_id=key_id(PROXY_KEY))
    slot = await slots.acquire(alice)
    assert slot.sets == (keys.owner_streams(user("alice")), keys.owner_streams(KEY))
    for name in slot.sets:
        await redis.zadd(name, {slot.id: time.time() + 1})
    await slots.refresh_many([slot])
    assert [await redis.zscore(name, slot.id) > time.time() + 50 for name in slot.sets] == [True, True]
    await slots.release_many([slot])
    assert [await redis.zcard(name) for name in slot.sets] == [0, 0]
    await redis.aclose()
