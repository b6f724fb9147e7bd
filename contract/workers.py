"""What a worker publishes in its heartbeat, and the capacity rule the gateway admits new chats by.

A worker SETs keys.heartbeat(w) to a `WorkerBeat` (JSON, TTL WORKER_HEARTBEAT_TTL_S) every
HEARTBEAT_INTERVAL_S. The gateway sums the live beats into a `Capacity` before it accepts a chat:

- A new chat starts at once when the queue holds fewer tasks than there are free slots.
- Otherwise it waits behind `ahead = queue_depth - free_slots + 1` tasks, which leave the queue as
  fast as the workers free slots: the predicted wait is `ahead / drain_per_s`. Each accepting
  worker's rate is the one it measured while all of its slots were taken (`drain_per_s`: runs ended
  per second when saturated, agent_service/delivery/throughput.py); a worker that has not been saturated
  lately is counted at `concurrency / run_s` (its recent mean run time), which assumes runs do not
  slow down as more run at once: true for a model-bound worker, optimistic for a CPU-bound one, and
  replaced by the measurement as soon as it saturates. A draining worker (accepting false) frees no
  slot for the queue and counts for nothing.
- Before any run finished nothing is known and the prediction is 0; the age of the oldest queued task
  covers that case: a queue whose head already waited longer than the allowed wait is not draining as
  predicted, whatever the arithmetic says.
- The wait is whichever is larger, the prediction or the head's age. A chat is accepted only if it is at
  most the allowed wait (the gateway's ADMIT_MAX_WAIT_S, kept under QUEUE_TIMEOUT_S so an accepted chat
  is never failed with no_worker for waiting); otherwise it is refused before anything is written
  (503 + Retry-After). With no live worker nothing can be predicted, and the chat is refused.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from contract.agents import AgentInfo, offered


def _predicted_wait(queue_depth: int, free: int, drain_per_s: float) -> float:
    ahead = queue_depth - free + 1
    return round(ahead / drain_per_s, 3) if ahead > 0 and drain_per_s > 0 else 0.0


def _drain(beat: WorkerBeat) -> float:
    """One worker's drain rate: measured while saturated, else concurrency over its mean run time."""
    if beat.drain_per_s > 0:
        return beat.drain_per_s
    return beat.concurrency / beat.run_s if beat.run_s > 0 else 0.0


class WorkerBeat(BaseModel):
    model_config = ConfigDict(extra="ignore")

    worker_id: str = ""
    pid: int = 0
    model_provider: str = ""
    started_at: float = 0
    ts: float = 0
    concurrency: int = 0
    running: int = 0
    free_slots: int = 0
    """Slots a new task would find free now (0 while the worker drains: it takes nothing more)."""
    accepting: bool = True
    """False while the worker drains (SIGTERM): it takes no more tasks."""
    run_s: float = 0
    """Recent mean duration of a run, seconds (0 = no run finished yet)."""
    drain_per_s: float = 0
    """Runs ended per second while every slot was taken (recent; 0 = not saturated lately)."""
    loop_lag_ms: float = 0
    """Worst event-loop lag over the last heartbeat interval."""
    loop_lag_max_ms: float = 0
    """Worst event-loop lag since the worker started."""
    agents: list[AgentInfo] = []
    """The agents this worker runs (contract/agents.py); empty: the default agent only."""
    database_role_warnings: list[str] = []
    """What the analytics server's database role can do that a read-only role must not (it serves anyway
    because DATABASE_ALLOW_UNSAFE_ROLE is set); empty when the role is read-only."""


class Capacity(BaseModel):
    workers_alive: int
    slots: int
    free_slots: int
    queue_depth: int
    oldest_queued_s: float
    run_s: float
    drain_per_s: float
    """Tasks per second the queue is expected to drain at (0 = unknown)."""
    predicted_wait_s: float
    agents: dict[str, AgentInfo] = Field(default_factory=dict, exclude=True)
    """The agents the live workers run (not in /health's capacity: GET /ai/api/agents lists them)."""

    @classmethod
    def of(cls, beats: list[WorkerBeat], queue_depth: int, oldest_queued_s: float) -> Capacity:
        slots = sum(b.concurrency for b in beats)
        free = sum(max(b.free_slots, 0) for b in beats)
        timed = [b for b in beats if b.run_s > 0]
        run_s = sum(b.run_s for b in timed) / len(timed) if timed else 0.0
        drain = sum(_drain(b) for b in beats if b.accepting)
        return cls(
            workers_alive=len(beats),
            slots=slots,
            free_slots=free,
            queue_depth=queue_depth,
            oldest_queued_s=round(max(oldest_queued_s, 0.0), 3),
            run_s=round(run_s, 3),
            drain_per_s=round(drain, 3),
            predicted_wait_s=_predicted_wait(queue_depth, free, drain),
            agents=offered(b.agents for b in beats),
        )

    def with_admitted(self, n: int) -> Capacity:
        """The same snapshot after `n` more chats were queued on it."""
        depth = self.queue_depth + n
        wait = _predicted_wait(depth, self.free_slots, self.drain_per_s)
        return self.model_copy(update={"queue_depth": depth, "predicted_wait_s": wait})

    @property
    def wait_s(self) -> float:
        """The wait a new chat must expect: the prediction, or the head's age when that is longer
        (only while something is queued)."""
        if self.queue_depth < self.free_slots:
            return 0.0
        return max(self.predicted_wait_s, self.oldest_queued_s if self.queue_depth else 0.0)

    def admits(self, max_wait_s: float) -> bool:
        return self.workers_alive > 0 and self.slots > 0 and self.wait_s <= max_wait_s

    def retry_after_s(self, max_wait_s: float, floor_s: int) -> int:
        """When trying again is likely to be admitted: the wait beyond the allowed one, at least floor_s."""
        if self.workers_alive == 0 or self.slots == 0:
            return floor_s
        return max(floor_s, math.ceil(self.wait_s - max_wait_s))
