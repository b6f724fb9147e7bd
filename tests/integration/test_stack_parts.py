"""A chat sent as parts (text, an image, a file) on real parts: redis-server, the gateway, a worker process
running the real Runner with the offline demo model, which says what it received; the session keeps a
readable record of the parts, not their data."""

from __future__ import annotations

import base64

import pytest
from stack_kit import LiveStack, chat
from support.keys import HEADERS_A

pytestmark = pytest.mark.integration

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(12 * 1024)).decode()
CSV = base64.b64encode(b"country,customers\n" + b"".join(b"C%d,%d\n" % (i, i) for i in range(300))).decode()


@pytest.fixture(scope="module")
def live():
    with LiveStack.single(tokens_per_s=0) as stack:
        yield stack


async def test_an_image_and_a_file_reach_the_model_and_the_session_keeps_their_record(live, client):
    base = live.urls[0]
    parts = [
        {"type": "text", "text": "What is in these?"},
        {"type": "image", "image_url": f"data:image/png;base64,{PNG}", "detail": "low"},
        {"type": "file", "filename": "report.csv", "media_type": "text/csv", "data": CSV},
    ]
    frames = await chat(client, base, None, parts=parts)
    assert frames.status == 200, frames.body
    assert frames.terminal["type"] == "complete", frames.events[-1]
    answer = frames.terminal["response"]
    assert "I received an image (PNG, 12 KB) and a file report.csv (text/csv, 2 KB)"  # 2498 bytes in answer
    assert "What is in these?" in answer

    sid = frames.events[0]["session_id"]
    stored = (await client.get(f"{base}/ai/api/sessions/{sid}", headers=HEADERS_A)).json()
    question = stored["messages"][0]
    assert question["role"] == "user" and question["text"] == "What is in these?"
    assert [(p["type"], p["media_type"], p["filename"]) for p in question["parts"]] == [
        ("text", None, None),
        ("image", "image/png", None),
        ("file", "text/csv", "report.csv"),
    ]
    assert question["parts"][1]["size"] == len(base64.b64decode(PNG))
    assert PNG[:200] not in str(stored) and CSV[:200] not in str(stored)
