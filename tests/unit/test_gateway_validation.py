"""Bad input on POST /ai/api/chat/stream: clear JSON errors, and nothing enqueued."""

from __future__ import annotations

import fakeredis
import pytest
from gateway_fixtures import gateway_settings, running_gateway
from support.keys import HEADERS_A

from contract import keys

CHAT = "/ai/api/chat/stream"


async def _queued(server) -> int:
    return await fakeredis.FakeAsyncRedis(server=server).llen(keys.TASK_QUEUE)


@pytest.mark.parametrize("message", ["", "   \n\t"])
async def test_empty_message_is_422(server, message):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post(CHAT, json={"message": message}, headers=HEADERS_A)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "message"]
    assert await _queued(server) == 0


async def test_invalid_json_is_422_with_a_plain_detail(server):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post(
            CHAT, content=b'{"message": "hi"', headers={**HEADERS_A, "Content-Type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json() == {"detail": "request body is not valid JSON"}


async def test_an_empty_body_is_422_naming_the_missing_body(server):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post(CHAT, headers={**HEADERS_A, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body"]]


@pytest.mark.parametrize(
    "body",
    [
        {"message": 42},
        {"message": "hi", "session_id": 7},
        {"message": "hi", "on_disconnect": "explode"},
        {"message": "hi", "multitask": True},
        {"message": "hi", "session_id": "../../etc"},
        {"session_id": "s1", "regenerate": "not-a-task-id"},
        {"message": "hi", "session_id": "s1", "edit": "F" * 32},
        {},
    ],
)
async def test_wrong_types_are_422(server, body):
    async with running_gateway(gateway_settings(), server) as client:
        response = await client.post(CHAT, json=body, headers=HEADERS_A)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


async def test_message_over_the_limit_is_413_and_nothing_is_enqueued(server):
    async with running_gateway(gateway_settings(max_message_chars=10), server) as client:
        response = await client.post(CHAT, json={"message": "x" * 11}, headers=HEADERS_A)
    assert response.status_code == 413
    assert response.json() == {"detail": "message is longer than 10 characters"}
    assert await _queued(server) == 0


async def test_huge_body_is_413_before_it_is_parsed(server):
    async with running_gateway(
        gateway_settings(max_message_chars=10, parts_max_bytes=1000), server
    ) as client:
        response = await client.post(CHAT, content=b"x" * 200_000, headers=HEADERS_A)
    assert response.status_code == 413


async def test_chunked_body_over_the_limit_is_413_before_auth(server):
    async def chunks():
        for _ in range(50):
            yield b"x" * 10_000

    async with running_gateway(
        gateway_settings(max_message_chars=10, parts_max_bytes=1000), server
    ) as client:
        response = await client.post(CHAT, content=chunks())  # no key, no Content-Length
    assert response.status_code == 413
