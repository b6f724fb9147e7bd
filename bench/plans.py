"""The bench's two plans: `quick` (development, ≤ 3 minutes, the openai scenario about 2 more) and
`full` (≤ 15 minutes on 2 cores).

Every figure of a plan is measured in the same run, so ratios (gateway vs stock relay vs direct)
compare systems minutes apart on the same machine. Levels:
- relay: open-loop new chats/s through the gateway (relay-only), the stock relay and the direct
  path, fed the same synthetic answer (200 tokens, 5 per event, at 40 tokens/s);
- agent_open: open-loop new chats/s through the real stack (2 workers, demo model at 40 tokens/s);
- agent_closed: closed-loop concurrent clients on the real stack, demo model at 40 tokens/s and as
  fast as it goes (DEMO_TOKENS_PER_S=0);
- idle: open idle streams, in steps, on one gateway process and on the stock relay (which needs one
  Redis connection and two sockets per stream, so it stops at a lower count: the fd limit is 20,000);
- openai: closed-loop clients against 1 and then 2 workers whose model is the scripted
  OpenAI-compatible server answering after 1 s, WORKER_CONCURRENCY above the client count; 60
  clients per worker (the runs are model-bound: how the design scales) and 550 (the target is ≥ 500
  runs at once in one worker; on 2 cores those runs are CPU-bound).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    relay_rates: tuple[float, ...]
    relay_s: float
    direct_s: float
    agent_rates: tuple[float, ...]
    agent_s: float
    closed_clients: tuple[int, ...]
    closed_s: float
    closed_speeds: tuple[float, ...]
    idle_steps: tuple[int, ...]
    idle_steps_stock: tuple[int, ...]
    openai_clients_per_worker: tuple[int, ...]
    openai_s: float
    workers: int = 2
    chat_timeout_s: float = 90


QUICK = Plan(
    name="quick",
    relay_rates=(20, 100),
    relay_s=5,
    direct_s=3,
    agent_rates=(10, 20),
    agent_s=5,
    closed_clients=(50,),
    closed_s=5,
    closed_speeds=(0,),
    idle_steps=(500, 1500),
    idle_steps_stock=(500, 1500),
    openai_clients_per_worker=(60, 550),
    openai_s=20,
)

FULL = Plan(
    name="full",
    relay_rates=(10, 20, 50, 100, 200),
    relay_s=20,
    direct_s=10,
    agent_rates=(10, 20, 50, 100, 200),
    agent_s=20,
    closed_clients=(50, 200, 1000),
    closed_s=20,
    closed_speeds=(40, 0),
    idle_steps=(1000, 2500, 5000, 10000),
    idle_steps_stock=(1000, 2500, 5000),
    openai_clients_per_worker=(60, 550),
    openai_s=45,
)

PLANS = {"quick": QUICK, "full": FULL}
SCENARIOS = ("relay", "agent_open", "agent_closed", "idle", "openai")
