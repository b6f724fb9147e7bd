"""Every Redis key and channel name the gateway and the workers share.

Defined once, here, as functions (never f-strings at the call site), after arq's constants.py.
tests/unit/test_contract.py pins each string: changing one is a wire-protocol change that
needs both services redeployed together.

Layout (all under one prefix so one Redis can be inspected or flushed by pattern):

    agent:tasks                         LIST    queue; gateway LPUSHes, workers BLMOVE from the right
    agent:processing:{worker}           LIST    a worker's in-flight tasks (reliable-queue pattern)
    agent:workers                       SET     worker ids ever registered (the reaper walks it)
    agent:worker:{worker}:heartbeat     STRING  JSON, TTL; missing = worker dead
    agent:control                       PUBSUB  gateway → workers commands (cancel)
    agent:reaper:lock                   STRING  one reaper at a time across workers
    agent:task:{task}                   HASH    status, owner, session_id, attempts, worker, payload...
    agent:task:{task}:events            STREAM  the task's event log, entry id "{seq}-1"
    agent:task:{task}:live              PUBSUB  the same events, live (a doorbell plus payload)
    agent:task:{task}:lock              STRING  per-task run lock (never two runs of one task)
    agent:task:{task}:pause             HASH    a run paused for approval: its RunState, the approvals and decisions, TTL
    agent:approvals:deadlines           ZSET    paused task ids by their approval deadline (the reaper expires them)
    agent:session:{session}             HASH    owner, title, created_at, updated_at, message_count, active_task, agent
    agent:session:{session}:transcript  LIST    display messages (user / assistant turns) for the UI
    agent:session:{session}:queue       LIST    tasks waiting behind the active run ("multitask": "enqueue")
    agent:session:{session}:feedback    HASH    task_id → Feedback JSON (thumbs up/down per answer; gateway only)
    agent:session:{session}:shares      SET     share ids taken of this session (revoked with it)
    agent:session:{session}:marks       HASH    task_id → model-history length before that turn (branching)
    agent:share:{share}                 HASH    a shared snapshot: owner, session_id, title, created_at, messages JSON
    agent:feedback:counts               HASH    rating → how many times it was given (never decremented)
    agent:history:{session}             HASH    the SDK's RedisSession metadata (model-visible history)
    agent:history:{session}:messages    LIST    its items (history_messages)
    agent:history:{session}:counter     STRING  its legacy counter key (history_counter)
    agent:owner:{owner}:sessions        ZSET    an owner's (user or key, backend/principal.py) sessions by updated_at
    agent:owner:{owner}:shares          ZSET    an owner's share ids by created_at
    agent:owner:{owner}:streams         ZSET    an owner's open SSE streams (member = stream id, score = expiry);
                                                a key's holds every stream through it, its users' too
    agent:owner:{owner}:thread:{digest} STRING  the session an OpenAI-style conversation continues: the digest of
                                                its messages so far (backend/completions.py; gateway only), TTL
    agent:ratelimit:{owner}:{window}    STRING  a user's or a key's new-chat counter, or an IP's share reads, in one fixed window (backend/limits.py)
    agent:schema:{fingerprint}:{part}   STRING  cached schema lookup (list_tables, describe_table:{t}), TTL
    agent:schema:stats                  HASH    schema cache hits / misses (read by the gateway's /health)
"""

from __future__ import annotations

PREFIX = "agent"

TASK_QUEUE = f"{PREFIX}:tasks"
WORKERS = f"{PREFIX}:workers"
CONTROL_CHANNEL = f"{PREFIX}:control"
REAPER_LOCK = f"{PREFIX}:reaper:lock"
HISTORY_PREFIX = f"{PREFIX}:history"
RATE_LIMIT_PREFIX = f"{PREFIX}:ratelimit"
SCHEMA_CACHE_STATS = f"{PREFIX}:schema:stats"
"""HASH with the fields `hits` and `misses` of the analytics server's schema cache."""
FEEDBACK_COUNTS = f"{PREFIX}:feedback:counts"
APPROVAL_DEADLINES = f"{PREFIX}:approvals:deadlines"
"""ZSET of paused task ids scored by when their approval request expires (contract/approvals.py)."""


def processing(worker_id: str) -> str:
    return f"{PREFIX}:processing:{worker_id}"


def heartbeat(worker_id: str) -> str:
    return f"{PREFIX}:worker:{worker_id}:heartbeat"


def task(task_id: str) -> str:
    return f"{PREFIX}:task:{task_id}"


def task_events(task_id: str) -> str:
    return f"{PREFIX}:task:{task_id}:events"


def task_channel(task_id: str) -> str:
    return f"{PREFIX}:task:{task_id}:live"


def task_lock(task_id: str) -> str:
    return f"{PREFIX}:task:{task_id}:lock"


def task_pause(task_id: str) -> str:
    """A run paused for a person's approval (contract/approvals.py, `PauseField`): written by the worker
    that paused it, decided through any gateway, resumed by any worker, expired by the reaper."""
    return f"{PREFIX}:task:{task_id}:pause"


def session(session_id: str) -> str:
    return f"{PREFIX}:session:{session_id}"


def session_transcript(session_id: str) -> str:
    return f"{PREFIX}:session:{session_id}:transcript"


def session_queue(session_id: str) -> str:
    return f"{PREFIX}:session:{session_id}:queue"


def session_feedback(session_id: str) -> str:
    return f"{PREFIX}:session:{session_id}:feedback"


def session_shares(session_id: str) -> str:
    return f"{PREFIX}:session:{session_id}:shares"


def session_marks(session_id: str) -> str:
    """Where each turn starts in the model history (task_id → item count before its user message),
    written by the worker on a task's first attempt, so regenerate / edit can cut the history there."""
    return f"{PREFIX}:session:{session_id}:marks"


def share(share_id: str) -> str:
    return f"{PREFIX}:share:{share_id}"


def owner_shares(owner: str) -> str:
    return f"{PREFIX}:owner:{owner}:shares"


def history(session_id: str) -> str:
    """The SDK RedisSession's own key (RedisSession(key_prefix=HISTORY_PREFIX, session_id=s))."""
    return f"{HISTORY_PREFIX}:{session_id}"


def history_messages(session_id: str) -> str:
    """The RedisSession item list. The SDK derives it as `{history(s)}:messages` (openai-agents 0.24,
    extensions/memory/redis_session.py); spelled here so no caller concatenates suffixes itself."""
    return f"{history(session_id)}:messages"


def history_counter(session_id: str) -> str:
    """The RedisSession counter key (`{history(s)}:counter`); deleting a session must delete it too."""
    return f"{history(session_id)}:counter"


def owner_sessions(owner: str) -> str:
    return f"{PREFIX}:owner:{owner}:sessions"


def owner_streams(owner: str) -> str:
    return f"{PREFIX}:owner:{owner}:streams"


def owner_thread(owner: str, digest: str) -> str:
    return f"{PREFIX}:owner:{owner}:thread:{digest}"


def rate_counter(owner: str, window: str) -> str:
    """New chats of an owner (a user, or a key's total across its users), or reads of shared links by
    one client IP (owner `ip:<addr>`), in one fixed window of one rate limit; `window` names the limit
    ('60/1minute'), the key expires with the window."""
    return f"{RATE_LIMIT_PREFIX}:{owner}:{window}"


def schema_cache(fingerprint: str, part: str) -> str:
    """One cached schema lookup of the database whose schema has `fingerprint` (part: 'tables',
    'describe:orders', ...)."""
    return f"{PREFIX}:schema:{fingerprint}:{part}"
