"""Soak: the real stack under open-loop load near this machine's saturation, for about 30 s.

Built on the bench's own harness (bench/systems.py starts the processes, bench/load.py drives the
arrivals with the raw asyncio SSE client and adds the outcomes up), so what this test demands is
what BENCHMARKS.md reports. 2 workers, the demo model at 40 tokens/s, 15 new chats/s (each a new
connection): on 2 cores that keeps the host busy without leaving it idle between chats.

It asserts outcomes, not timings: an accepted chat (HTTP 200) must end in `complete` with contiguous
seqs, no stream may hang (a generous deadline, not a latency target), and a refusal is only ever
429/503 with Retry-After at the door.
"""

from __future__ import annotations

import pytest

from bench import systems
from bench.load import open_loop, summarize
from bench.scenarios import target_of

pytestmark = pytest.mark.integration

RATE = 15
DURATION_S = 30
HANG_S = 150
"""Longer than QUEUE_TIMEOUT_S plus an answer: a chat silent this long is a hang, not a slow one."""


def warnings(system: systems.System, limit: int = 20) -> list[str]:
    """The processes' warning and error lines (what to read when the soak fails)."""
    lines = [
        f"{p.name}: {line[:300]}"
        for p in system.procs()
        for line in p.log().splitlines()
        if '"warning"' in line or '"error"' in line or "Traceback" in line
    ]
    return lines[-limit:]


@pytest.fixture(scope="module")
def stack():
    system = systems.agent_stack(2, worker_env={"DEMO_TOKENS_PER_S": "40"}, name="soak")
    yield system
    system.stop()


async def test_every_accepted_chat_completes_under_sustained_load(stack):
    results, _ = await open_loop(target_of(stack), RATE, DURATION_S, HANG_S)
    row = summarize(results)
    refusals = [r for r in results if not r.accepted]

    assert row["hung"] == 0, (row, warnings(stack))
    assert row["failed"] == 0, (row["failure_reasons"], row, warnings(stack))
    assert row["accepted"] > 0, row
    assert all(r.status in (429, 503) and r.retry_after for r in refusals), row["refused"]
    assert not stack.dead(), stack.dead()
