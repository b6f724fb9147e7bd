"""A CSV attached to a message is a table of its session for the analytics tools, on real parts:
redis-server, the gateway, worker processes running the real Runner with the offline demo model and
their real analytics MCP subprocesses (DuckDB). Turn 1 uploads and asks; turn 2 runs on another worker
(the first one is stopped) whose server has never seen the file; another session cannot see it."""

from __future__ import annotations

import base64

import pytest
import redis
from stack_kit import LiveStack, chat
from support.keys import HEADERS_A, KEY_B

from contract import keys
from contract.tasks import TaskField

pytestmark = pytest.mark.integration

ROWS = 37
SALES = b"region,amount\n" + b"".join(b"r%d,%d\n" % (i % 4, (i * 37) % 101) for i in range(ROWS))
TOP = sorted(((i * 37) % 101 for i in range(ROWS)), reverse=True)[:5]


def _parts(question: str, data: bytes = SALES) -> list[dict]:
    return [
        {"type": "text", "text": question},
        {
            "type": "file",
            "filename": "sales.csv",
            "media_type": "text/csv",
            "data": base64.b64encode(data).decode(),
        },
    ]


def _worker_of(stack: LiveStack, task_id: str) -> str:
    with redis.Redis.from_url(stack.redis.url, decode_responses=True) as r:
        return r.hget(keys.task(task_id), TaskField.WORKER) or ""


@pytest.fixture(scope="module")
def live():
    with LiveStack(worker_env={"DEMO_TOKENS_PER_S": "0"}) as stack:
        stack.gateway()
        yield stack


async def test_an_uploaded_csv_is_queried_in_a_later_turn_on_another_worker_and_only_in_its_session(
    live, client
):
    base = live.urls[0]
    first = live.worker()
    live.wait_workers(1)
    upload = await chat(client, base, None, parts=_parts("How many rows are in sales.csv?"))
    assert upload.terminal["type"] == "complete", upload.events[-1]
    assert f"**{ROWS}** rows" in upload.terminal["response"]
    assert upload.terminal["tools"] == ["list_tables", "run_query"]
    sid = upload.events[0]["session_id"]

    first.stop()
    live.worker()
    live.wait_workers(1)
    top = await chat(client, base, "top 5 by amount", session_id=sid)
    assert top.terminal["type"] == "complete", top.events[-1]
    assert _worker_of(live, top.task_id) != _worker_of(live, upload.task_id)
    data = next(e for e in top.events if e["type"] == "data")
    assert [row[1] for row in data["rows"]] == TOP
    assert "Top 5 rows of **sales.csv** by amount" in top.terminal["response"]

    other = await chat(client, base, "how many rows are in sales.csv?", key=KEY_B)
    assert other.terminal["type"] == "complete", other.events[-1]
    assert "no uploaded file in this conversation" in other.terminal["response"]

    stored = (await client.get(f"{base}/ai/api/sessions/{sid}", headers=HEADERS_A)).json()
    assert stored["messages"][0]["parts"][1]["filename"] == "sales.csv"
    assert base64.b64encode(SALES).decode()[:100] not in str(stored)


async def test_deleting_the_session_deletes_its_uploaded_tables(live, client):
    base = live.urls[0]
    if not any(w.alive() for w in live.stack.workers):
        live.worker()
    live.wait_workers(1)
    upload = await chat(client, base, None, parts=_parts("What is in sales.csv?"))
    assert upload.terminal["type"] == "complete", upload.events[-1]
    assert "is the table `upload_sales`" in upload.terminal["response"]
    sid = upload.events[0]["session_id"]

    deleted = await client.delete(f"{base}/ai/api/sessions/{sid}", headers=HEADERS_A)
    assert deleted.status_code in (200, 204)
    with redis.Redis.from_url(live.redis.url) as r:
        assert not r.exists(keys.session_uploads(sid), keys.session_upload_data(sid))
