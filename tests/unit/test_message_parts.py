"""A chat message sent as parts: the gateway's clear 422 / 413 before anything is enqueued, the task that
carries the parts, and what the worker makes of them (the model's input items, a text-only model's note,
the transcript's record)."""

from __future__ import annotations

import base64

import fakeredis
import pytest
from gateway_fixtures import gateway_settings, running_gateway
from support.fakeworker import FakeWorker
from support.keys import HEADERS_A

from agent_service.execution.inputparts import model_input, records_of
from contract import ChatTask, keys
from contract.agents import AgentInfo, offered
from contract.parts import FilePart, ImagePart, TextPart, describe, question_text, record

CHAT = "/ai/api/chat/stream"
READS_ALL = [AgentInfo(name="analytics", inputs=["text", "image", "file"])]
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG" + bytes(2044)).decode()
CSV = base64.b64encode(b"a,b\n1,2\n").decode()
TEXT = {"type": "text", "text": "What is this?"}
IMAGE = {"type": "image", "image_url": PNG}
FILE = {"type": "file", "filename": "report.csv", "media_type": "text/csv", "data": CSV}


@pytest.fixture
async def worker(server):
    w = await FakeWorker(
        fakeredis.FakeAsyncRedis(server=server, decode_responses=True), agents=READS_ALL
    ).start()
    yield w
    await w.stop()


async def post(server, body: dict, **settings):
    async with running_gateway(gateway_settings(**settings), server) as client:
        response = await client.post(CHAT, json=body, headers=HEADERS_A)
    queued = await fakeredis.FakeAsyncRedis(server=server).llen(keys.TASK_QUEUE)
    return response, queued


def detail(response) -> str:
    body = response.json()["detail"]
    return body if isinstance(body, str) else " ".join(e["msg"] for e in body)


async def test_parts_are_queued_in_the_task_with_their_text_as_the_message(server, worker):
    response, _ = await post(server, {"parts": [TEXT, IMAGE, FILE]})
    assert response.status_code == 200
    [task] = worker.taken
    assert task.message == "What is this?"
    assert [p.type for p in task.parts] == ["text", "image", "file"]


async def test_a_message_and_parts_together_are_422(server, worker):
    response, queued = await post(server, {"message": "hi", "parts": [TEXT]})
    assert response.status_code == 422 and "either message or parts" in detail(response)
    assert queued == 0


async def test_empty_parts_are_422(server, worker):
    response, _ = await post(server, {"parts": []})
    assert response.status_code == 422 and "parts must not be empty" in detail(response)


async def test_an_image_by_plain_http_url_is_422(server, worker):
    response, _ = await post(server, {"parts": [{"type": "image", "image_url": "http://example.com/a.png"}]})
    assert response.status_code == 422 and "https URL" in detail(response)


async def test_an_image_of_a_type_models_do_not_read_is_422(server, worker):
    response, _ = await post(
        server, {"parts": [{"type": "image", "image_url": "data:image/bmp;base64,AAAA"}]}
    )
    assert response.status_code == 422 and "not image/bmp" in detail(response)


async def test_a_file_whose_data_is_not_base64_is_422(server, worker):
    response, _ = await post(server, {"parts": [{**FILE, "data": "not base64!"}]})
    assert response.status_code == 422 and "base64" in detail(response)


async def test_a_file_name_with_a_path_is_422(server, worker):
    response, _ = await post(server, {"parts": [{**FILE, "filename": "../etc/passwd"}]})
    assert response.status_code == 422 and "bare file name" in detail(response)


async def test_an_unknown_part_type_is_422(server, worker):
    response, _ = await post(server, {"parts": [{"type": "audio", "data": CSV}]})
    assert response.status_code == 422


async def test_more_parts_than_max_parts_is_422(server, worker):
    response, queued = await post(server, {"parts": [TEXT] * 3}, max_parts=2)
    assert response.status_code == 422 and "at most 2 parts" in detail(response)
    assert queued == 0


async def test_an_image_over_part_max_bytes_is_413(server, worker):
    response, queued = await post(server, {"parts": [TEXT, IMAGE]}, part_max_bytes=1000)
    assert response.status_code == 413 and "parts[1] (image) is 2048 bytes, over 1000" in detail(response)
    assert queued == 0


async def test_parts_over_parts_max_bytes_together_are_413(server, worker):
    response, _ = await post(server, {"parts": [IMAGE, IMAGE]}, parts_max_bytes=3000)
    assert response.status_code == 413 and "4096 bytes, over 3000" in detail(response)


async def test_text_parts_over_max_message_chars_together_are_413(server, worker):
    response, _ = await post(server, {"parts": [TEXT, TEXT]}, max_message_chars=20)
    assert response.status_code == 413


async def test_regenerate_with_parts_is_422(server, worker):
    body = {"parts": [TEXT], "session_id": "s1", "regenerate": "a" * 32}
    response, _ = await post(server, body)
    assert response.status_code == 422 and "takes no parts" in detail(response)


async def test_an_image_for_an_agent_whose_model_reads_only_text_is_422_naming_what_it_reads(server):
    text_only = [AgentInfo(name="analytics", inputs=["text"])]
    w = await FakeWorker(
        fakeredis.FakeAsyncRedis(server=server, decode_responses=True), agents=text_only
    ).start()
    try:
        response, queued = await post(server, {"parts": [TEXT, IMAGE]})
    finally:
        await w.stop()
    assert response.status_code == 422
    assert (
        response.json()["detail"]
        == "the model of the agent 'analytics' reads only text: it cannot take an image"
    )
    assert response.json()["inputs"] == ["text"] and queued == 0


def test_an_agent_reads_only_what_every_live_worker_running_it_reads():
    agents = offered([READS_ALL, [AgentInfo(name="analytics", inputs=["text", "file"])]])
    assert agents["analytics"].inputs == ["text", "file"]


def test_a_worker_that_does_not_say_what_its_model_reads_offers_text_only():
    assert offered([[]])["analytics"].inputs == ["text"]


def test_a_message_of_attachments_alone_reads_as_their_description():
    parts = [ImagePart(**IMAGE), FilePart(**FILE)]
    assert question_text(parts) == "[an image (PNG, 2 KB) and a file report.csv (text/csv, 8 bytes)]"


def test_an_image_by_url_is_described_by_its_host():
    part = ImagePart(type="image", image_url="https://cdn.example.com/cat.jpg")
    assert describe([record(part)]) == "an image from cdn.example.com"


def test_the_record_of_a_part_keeps_its_size_and_never_its_data():
    kept = record(FilePart(**FILE)).model_dump()
    assert kept["size"] == 8 and kept["filename"] == "report.csv" and CSV not in str(kept)


def _task(*parts) -> ChatTask:
    return ChatTask(session_id="s1", owner="o", message=question_text(parts), parts=list(parts))


def test_the_worker_sends_parts_as_one_user_message_of_input_items():
    [message] = model_input(
        _task(TextPart(**TEXT), ImagePart(**IMAGE, detail="low"), FilePart(**FILE)), ["text", "image", "file"]
    )
    assert message["role"] == "user"
    assert message["content"] == [
        {"type": "input_text", "text": "What is this?"},
        {"type": "input_image", "image_url": PNG, "detail": "low"},
        {"type": "input_file", "filename": "report.csv", "file_data": f"data:text/csv;base64,{CSV}"},
    ]


def test_a_plain_message_is_sent_as_its_text():
    assert model_input(ChatTask(session_id="s1", owner="o", message="hi"), ["text"]) == "hi"


def test_a_text_only_model_is_told_in_words_what_was_attached_and_left_out():
    [message] = model_input(_task(ImagePart(**IMAGE)), ["text"])
    assert message["content"] == [
        {
            "type": "input_text",
            "text": "[The user attached an image (PNG, 2 KB); this model reads only text, so it was left out.]",
        }
    ]


def test_input_items_read_back_as_the_records_the_transcript_keeps():
    parts = [TextPart(**TEXT), ImagePart(**IMAGE), FilePart(**FILE)]
    [message] = model_input(_task(*parts), ["text", "image", "file"])
    assert records_of(message["content"]) == [record(p) for p in parts]


async def test_a_422_for_a_large_part_echoes_only_the_start_of_its_data(server, worker):
    big = "data:image/bmp;base64," + "A" * 100_000
    response, _ = await post(server, {"parts": [{"type": "image", "image_url": big}]})
    assert response.status_code == 422 and len(response.text) < 2000


def test_the_demo_model_answers_with_what_it_received():
    from agent_service.models.demo import decide

    [message] = model_input(
        _task(TextPart(**TEXT), ImagePart(**IMAGE), FilePart(**FILE)), ["text", "image", "file"]
    )
    reply = decide([message], tools=[])
    assert reply.tool is None
    assert reply.text.startswith(
        "I received an image (PNG, 2 KB) and a file report.csv (text/csv, 8 bytes). You wrote: “What is this?”."
    )
