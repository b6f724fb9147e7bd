"""The steps of an approval round trip over the public HTTP API, for tests of a live stack: ask the
`tasks` agent for a write and read up to its approval request, decide it, follow the resumed run."""

from __future__ import annotations

from stack_kit import Frames, chat, rejoin
from support.keys import KEY_A


def is_approval(event: dict) -> bool:
    return event["type"] == "approval_required"


async def paused(client, url: str, message: str, key: str = KEY_A, **body) -> tuple[Frames, dict]:
    """Ask, and read the stream up to the approval request (then leave it: the run is paused)."""
    frames = await chat(client, url, message, key=key, until=is_approval, agent="tasks", **body)
    assert frames.events and is_approval(frames.events[-1]), (frames.types, frames.body)
    return frames, frames.events[-1]


async def decide(client, url: str, approval: dict, approve: bool, key: str = KEY_A, message=None):
    body = {"approve": approve, **({"message": message} if message else {})}
    path = f"/ai/api/tasks/{approval['task_id']}/approvals/{approval['approval_id']}"
    return await client.post(url + path, json=body, headers={"X-API-Key": key})


async def decided(client, url: str, approval: dict, approve: bool, key: str = KEY_A, message=None) -> Frames:
    """Decide, then follow the resumed run from the approval request to its end."""
    r = await decide(client, url, approval, approve, key, message)
    assert r.status_code == 200 and r.json()["status"] == "resumed", r.text
    return await rejoin(client, url, approval["task_id"], approval["seq"], key=key)
