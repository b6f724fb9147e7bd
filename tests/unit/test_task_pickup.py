"""A worker with free slots takes a backlog in one call after its BLMOVE (taskqueue.take_more): the
tasks move from the pop end of agent:tasks into its processing list in queue order, as many as asked,
fewer when the queue runs out."""

from __future__ import annotations

from agent_service.delivery.taskqueue import TaskQueue
from contract import keys


async def test_take_more_moves_the_oldest_tasks_in_queue_order(fake_redis):
    await fake_redis.lpush(keys.TASK_QUEUE, *[f"t{i}".encode() for i in range(5)])  # t0 is the oldest
    queue = TaskQueue(fake_redis, fake_redis, "w1")
    assert await queue.take_more(3) == ["t0", "t1", "t2"]
    assert await fake_redis.lrange(keys.TASK_QUEUE, 0, -1) == ["t4", "t3"]
    assert sorted(await queue.in_processing()) == ["t0", "t1", "t2"]


async def test_take_more_stops_at_an_empty_queue(fake_redis):
    await fake_redis.lpush(keys.TASK_QUEUE, "only")
    queue = TaskQueue(fake_redis, fake_redis, "w1")
    assert await queue.take_more(64) == ["only"]
    assert await queue.take_more(64) == []
    assert await queue.take_more(0) == []
