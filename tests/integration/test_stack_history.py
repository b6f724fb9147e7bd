"""A long conversation is cut to HISTORY_MAX_TOKENS for the model, on real parts: redis-server, the gateway,
a worker process running the real Runner with the offline demo model, which answers "What did I ask
before?" from the history it is sent; the stored conversation stays whole."""

from __future__ import annotations

import re

import pytest
from stack_kit import LiveStack, chat
from support.keys import HEADERS_A

pytestmark = pytest.mark.integration

QUESTIONS = [f"Tell me about fruit number {n}" for n in range(1, 9)]


@pytest.fixture(scope="module")
def live():
    with LiveStack.single(tokens_per_s=0, HISTORY_MAX_TOKENS="200") as stack:
        yield stack


async def test_a_long_conversation_is_cut_to_its_newest_turns_for_the_model_and_kept_whole(live, client):
    base = live.urls[0]
    sid = None
    for question in QUESTIONS:
        frames = await chat(client, base, question, agent="chat", **({"session_id": sid} if sid else {}))
        assert frames.terminal["type"] == "complete", frames.events[-1]
        sid = frames.events[0]["session_id"]

    recall = await chat(client, base, "What did I ask before?", session_id=sid)
    assert recall.terminal["type"] == "complete", recall.events[-1]
    seen = re.findall(r"^\d+\. (.+)$", recall.terminal["response"], flags=re.M)
    assert 1 <= len(seen) < len(QUESTIONS), recall.terminal["response"]
    assert seen == QUESTIONS[-len(seen) :]  # the newest turns, in order, and nothing older

    stored = (await client.get(f"{base}/ai/api/sessions/{sid}", headers=HEADERS_A)).json()
    asked = [m["text"] for m in stored["messages"] if m["role"] == "user"]
    assert asked == [*QUESTIONS, "What did I ask before?"]
