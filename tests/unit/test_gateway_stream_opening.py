"""Opening a stream (backend/streamopening.py): a way out of the block that ends in no stream gives the
stream slot and the listener back at once; a stream made in the block takes both over."""

from __future__ import annotations

import pytest
from gateway_fixtures import gateway_settings, running_gateway
from support.keys import HEADERS_A, KEY_A

from backend.config import key_id
from backend.principal import Principal, key_owner
from backend.streamopening import StreamOpening
from contract import keys

OWNER = key_owner(key_id(KEY_A))
TASK_ID = "a" * 32


async def test_a_chat_refused_for_capacity_gives_its_stream_slot_back(server, redis):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post("/ai/api/chat/stream", json={"message": "hi"}, headers=HEADERS_A)
        held = await redis.zcard(keys.owner_streams(OWNER))
    assert response.status_code == 503  # no live worker
    assert held == 0


async def test_an_opening_that_fails_after_subscribing_releases_the_listener_and_the_slot(server, redis):
    async with running_gateway(gateway_settings(), server) as client:
        deps = client.app.state.streams
        slot = await deps.slots.acquire(Principal(owner=OWNER, via="key"))
        with pytest.raises(RuntimeError):
            async with StreamOpening(deps, slot) as opening:
                await opening.listen(TASK_ID)
                assert deps.relay.channel_count == 1
                raise RuntimeError("the enqueue failed")
        assert deps.relay.channel_count == 0
        assert await redis.zcard(keys.owner_streams(OWNER)) == 0


async def test_a_stream_made_in_the_opening_keeps_the_listener_and_the_slot(server, redis):
    async with running_gateway(gateway_settings(), server) as client:
        deps = client.app.state.streams
        slot = await deps.slots.acquire(Principal(owner=OWNER, via="key"))
        async with StreamOpening(deps, slot) as opening:
            await opening.listen(TASK_ID)
            stream = opening.stream()
        assert (stream.listener.task_id, stream.slot) == (TASK_ID, slot)
        assert deps.relay.channel_count == 1
        assert await redis.zcard(keys.owner_streams(OWNER)) == 1
        await stream.close()
        assert deps.relay.channel_count == 0
