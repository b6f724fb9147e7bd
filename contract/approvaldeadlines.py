"""When paused runs expire: the one ZSET keys.APPROVAL_DEADLINES, one member per pause.

Why a member per pause (`{task id}:{pause id}`), not per task: the ZSET holds every paused task, so it
is in no task's slot (contract/keys.py) and is written beside the pause's scripts, never inside them
(contract/approvals.py). A step beside a script can race another run of the same task: a resumed run
can pause again between the deciding gateway's LPUSH and its removal of the old deadline. With the
pause in the member, removing one pause's deadline can never remove the next one's.

Why the score is the writer's clock, not Redis TIME: it only says when the reaper should look. Whether
a pause is past its deadline is decided by the pause's own `deadline` field (Redis TIME, set by the
save script, compared by the decide and close scripts on the same node), so a score that is early is
looked at again, and one that is late by clock skew expires that much late.

A member whose pause is gone, replaced or decided is expected (a writer died between its two steps):
the reaper drops it when it comes due (agent_service/delivery/reaper.py).
"""

from __future__ import annotations

from redis.asyncio import Redis

from contract import keys


def member(task_id: str, pause_id: str) -> str:
    return f"{task_id}:{pause_id}"


def parse(raw: str) -> tuple[str, str]:
    """(task id, pause id) of a member (a pause id is hex: the task id is all before its last ':')."""
    task_id, _, pause_id = raw.rpartition(":")
    return task_id, pause_id


class Deadlines:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def add(self, task_id: str, pause_id: str, at: float) -> None:
        await self.redis.zadd(keys.APPROVAL_DEADLINES, {member(task_id, pause_id): at})

    async def drop(self, task_id: str, pause_id: str) -> None:
        await self.redis.zrem(keys.APPROVAL_DEADLINES, member(task_id, pause_id))

    async def due(self, now: float, count: int = 100) -> list[tuple[str, str]]:
        """(task id, pause id) of the pauses whose deadline has passed by `now`, oldest first."""
        raw = await self.redis.zrangebyscore(keys.APPROVAL_DEADLINES, "-inf", now, start=0, num=count)
        return [parse(m) for m in raw]
