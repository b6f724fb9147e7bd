"""Every Redis key and channel name the gateway and the workers share.

Defined once, here, as functions (never f-strings at the call site), after arq's constants.py.
tests/unit/test_contract.py pins each string: changing one is a wire-protocol change that
needs both services redeployed together.

Slots (Redis Cluster, REDIS_CLUSTER): a Lua script or a MULTI/EXEC may only touch keys of one hash
slot, and a key's slot is the CRC16 of its hash tag, the text between its first `{` and `}` (of the
whole key when it has none). The rule: keys that one script or transaction touches together carry
the same tag, built by one helper below; a key that is only ever used alone carries none. So:
  - the queue slot, tag `{agent:tasks}` (`_queue_slot`): a key tagged with the queue's own name
    hashes to the slot of the untagged key `agent:tasks`, so the public queue name (the gateway
    LPUSHes onto `agent:tasks`, KEDA and operators read it) stays as it is while everything used
    with it shares its slot: the processing lists (BLMOVE, requeue, take-more), the heartbeats and
    the worker set (a worker's clean exit checks its list and leaves the set in one script; MGET
    of all heartbeats), and the stream-slot sets and rate counters (the admission script reads the
    queue depth with them);
  - a session's slot, tag = the first SLOT_TAG_CHARS characters of the session id (`_session_slot`):
    the session hash, transcript, queue, feedback, share ids, marks, its model history, and every
    key of its tasks. A task's keys are named by the task id alone, so the gateway mints each task
    id to begin with its session's tag (`task_id_for`): the event-log script (task hash, log,
    session, transcript, session queue, the promoted task's hash) and the enqueue transaction
    (task, session, the active task) then stay in one slot. Sessions sharing a tag share a slot.
  - untagged: agent:tasks itself, the owner indexes (a session's owner index is written beside the
    session, not in its script: an owner has sessions in every slot), shares (by a public id),
    the reaper lock, the schema cache, feedback counts, the approval deadlines (a ZSET of every
    paused task: it cannot share a slot with all of them).
Some steps therefore leave the scripts and run beside them, in the caller: pushing a promoted
task onto agent:tasks (EventLog.append, contract/eventlog.py), the enqueue's LPUSH
(backend/taskstore.py), and a pause's deadline and its resume's LPUSH (contract/approvals.py). tests/unit/test_key_slots.py checks every multi-key script call's keys
against the slot rule. Channels (`:live`, `agent:control`) are not keys: classic PUBLISH reaches
subscribers on every node of a cluster; they keep their names.
A new key: pick the group of the keys it is used with (`_queue_slot`, `_session_slot`), or none.

Layout (all under one prefix so one Redis can be inspected or flushed by pattern; `{q}` is the
queue tag `{agent:tasks}`, `{s8}` a session's tag):

    agent:tasks                              LIST    queue; gateway LPUSHes, workers BLMOVE from the right
    agent:{q}:processing:{worker}            LIST    a worker's in-flight tasks (reliable-queue pattern)
    agent:{q}:workers                        SET     worker ids ever registered (the reaper walks it)
    agent:{q}:worker:{worker}:heartbeat      STRING  JSON, TTL; missing = worker dead
    agent:control                            PUBSUB  gateway → workers commands (cancel)
    agent:reaper:lock                        STRING  one reaper at a time across workers
    agent:{s8}:task:{task}                   HASH    status, owner, session_id, attempts, worker, payload...
    agent:{s8}:task:{task}:events            STREAM  the task's event log, entry id "{seq}-1"
    agent:task:{task}:live                   PUBSUB  the same events, live (a doorbell plus payload)
    agent:{s8}:task:{task}:lock              STRING  per-task run lock (never two runs of one task)
    agent:{s8}:task:{task}:pause             HASH    a run paused for approval: its RunState, the approvals and decisions, TTL
    agent:{s8}:session:{session}             HASH    owner, title, created_at, updated_at, message_count, active_task, agent
    agent:{s8}:session:{session}:transcript  LIST    display messages (user / assistant turns) for the UI
    agent:{s8}:session:{session}:queue       LIST    tasks waiting behind the active run ("multitask": "enqueue")
    agent:{s8}:session:{session}:feedback    HASH    task_id → Feedback JSON (thumbs up/down per answer; gateway only)
    agent:{s8}:session:{session}:shares      SET     share ids taken of this session (revoked with it)
    agent:{s8}:session:{session}:marks       HASH    task_id → model-history length before that turn (branching)
    agent:{s8}:session:{session}:uploads     HASH    table → UploadRecord JSON: the session's attached files that are tables (contract/uploads.py)
    agent:{s8}:session:{session}:uploads:data HASH   table → that file's content, base64 (worker writes, analytics server reads)
    agent:share:{share}                      HASH    a shared snapshot: owner, session_id, title, created_at, messages JSON
    agent:feedback:counts                    HASH    rating → how many times it was given (never decremented)
    agent:approvals:deadlines                ZSET    "{task}:{pause}" per pause by its approval deadline (the reaper expires them)
    agent:{s8}:history:{session}             HASH    the SDK's RedisSession metadata (model-visible history)
    agent:{s8}:history:{session}:messages    LIST    its items (history_messages)
    agent:{s8}:history:{session}:counter     STRING  its legacy counter key (history_counter)
    agent:owner:{owner}:sessions             ZSET    an owner's (user or key, backend/principal.py) sessions by updated_at
    agent:owner:{owner}:shares               ZSET    an owner's share ids by created_at
    agent:{q}:owner:{owner}:streams          ZSET    an owner's open SSE streams (member = stream id, score = expiry);
                                                     a key's holds every stream through it, its users' too
    agent:owner:{owner}:thread:{digest}      STRING  the session an OpenAI-style conversation continues: the digest of
                                                     its messages so far (backend/completions.py; gateway only), TTL
    agent:{q}:ratelimit:{owner}:{window}     STRING  a user's or a key's new-chat counter, or an IP's share reads, in one fixed window (backend/limits.py)
    agent:schema:{fingerprint}:{part}        STRING  cached schema lookup (list_tables, describe_table:{t}), TTL
    agent:schema:stats                       HASH    schema cache hits / misses (read by the gateway's /health)
"""

from __future__ import annotations

import re
import uuid

PREFIX = "agent"

TASK_QUEUE = f"{PREFIX}:tasks"
CONTROL_CHANNEL = f"{PREFIX}:control"
REAPER_LOCK = f"{PREFIX}:reaper:lock"
SCHEMA_CACHE_STATS = f"{PREFIX}:schema:stats"
"""HASH with the fields `hits` and `misses` of the analytics server's schema cache."""
FEEDBACK_COUNTS = f"{PREFIX}:feedback:counts"
APPROVAL_DEADLINES = f"{PREFIX}:approvals:deadlines"
"""ZSET of pauses (`{task id}:{pause id}`) scored by when their approval request expires
(contract/approvaldeadlines.py)."""

SLOT_TAG_CHARS = 8
"""How much of a session id (and so of each of its task ids) is its slot tag: 8 hex digits of a
uuid4 spread sessions over all 16384 slots."""
_HEX_TAG = re.compile(rf"^[0-9a-f]{{{SLOT_TAG_CHARS}}}")


def _tagged(tag: str, rest: str) -> str:
    return f"{PREFIX}:{{{tag}}}:{rest}"


def _queue_slot(rest: str) -> str:
    """A key used in one script or transaction with agent:tasks: in that key's slot."""
    return _tagged(TASK_QUEUE, rest)


def _session_slot(entity_id: str, rest: str) -> str:
    """A key of a session or of one of its tasks: in the session's slot (see task_id_for)."""
    return _tagged(entity_id[:SLOT_TAG_CHARS], rest)


def task_id_for(session_id: str) -> str:
    """A new task id (32 hex digits, like a uuid4's) in its session's slot: it begins with the
    session's tag. A session id that does not begin with 8 hex digits (the gateway mints uuid4 hex,
    so only hand-made ids in tests) gets a plain uuid4: correct on one Redis, cross-slot on a cluster."""
    random = uuid.uuid4().hex
    tag = session_id[:SLOT_TAG_CHARS]
    return tag + random[SLOT_TAG_CHARS:] if _HEX_TAG.match(tag) else random


WORKERS = _queue_slot("workers")


def processing(worker_id: str) -> str:
    return _queue_slot(f"processing:{worker_id}")


def heartbeat(worker_id: str) -> str:
    return _queue_slot(f"worker:{worker_id}:heartbeat")


def task(task_id: str) -> str:
    return _session_slot(task_id, f"task:{task_id}")


def task_key_shape() -> tuple[str, int, str]:
    """(head, n, middle) such that task(t) == head + t[:n] + middle + t: how a Lua script builds the
    key of a task it learns the id of only while it runs (the event log's promoted task)."""
    return f"{PREFIX}:{{", SLOT_TAG_CHARS, "}:task:"


def task_events(task_id: str) -> str:
    return f"{task(task_id)}:events"


def task_channel(task_id: str) -> str:
    """A pub/sub channel, not a key: untagged (classic PUBLISH reaches every node of a cluster)."""
    return f"{PREFIX}:task:{task_id}:live"


def task_lock(task_id: str) -> str:
    return f"{task(task_id)}:lock"


def task_pause(task_id: str) -> str:
    """A run paused for a person's approval (contract/approvals.py, `PauseField`): written by the worker
    that paused it, decided through any gateway, resumed by any worker, expired by the reaper."""
    return f"{task(task_id)}:pause"


def session(session_id: str) -> str:
    return _session_slot(session_id, f"session:{session_id}")


def session_transcript(session_id: str) -> str:
    return f"{session(session_id)}:transcript"


def session_queue(session_id: str) -> str:
    return f"{session(session_id)}:queue"


def session_feedback(session_id: str) -> str:
    return f"{session(session_id)}:feedback"


def session_shares(session_id: str) -> str:
    return f"{session(session_id)}:shares"


def session_marks(session_id: str) -> str:
    """Where each turn starts in the model history (task_id → item count before its user message),
    written by the worker on a task's first attempt, so regenerate / edit can cut the history there."""
    return f"{session(session_id)}:marks"


def session_uploads(session_id: str) -> str:
    """The session's uploaded tables (table → contract/uploads.py UploadRecord JSON), written by the
    worker that ran the turn, read by every worker's analytics server; the gateway refreshes its TTL
    with the session's and deletes it with the session."""
    return f"{session(session_id)}:uploads"


def session_upload_data(session_id: str) -> str:
    """The files behind session_uploads (table → base64), written with it in one transaction."""
    return f"{session_uploads(session_id)}:data"


def share(share_id: str) -> str:
    return f"{PREFIX}:share:{share_id}"


def owner_shares(owner: str) -> str:
    return f"{PREFIX}:owner:{owner}:shares"


def history_prefix(session_id: str) -> str:
    """The `key_prefix` of the session's SDK RedisSession (RedisSession(key_prefix=history_prefix(s),
    session_id=s)): the SDK appends `:{session_id}`, so the tag puts its keys in the session's slot."""
    return _session_slot(session_id, "history")


def history(session_id: str) -> str:
    """The SDK RedisSession's own key."""
    return f"{history_prefix(session_id)}:{session_id}"


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
    return _queue_slot(f"owner:{owner}:streams")


def owner_thread(owner: str, digest: str) -> str:
    return f"{PREFIX}:owner:{owner}:thread:{digest}"


def rate_counter(owner: str, window: str) -> str:
    """New chats of an owner (a user, or a key's total across its users), or reads of shared links by
    one client IP (owner `ip:<addr>`), in one fixed window of one rate limit; `window` names the limit
    ('60/1minute'), the key expires with the window."""
    return _queue_slot(f"ratelimit:{owner}:{window}")


def schema_cache(fingerprint: str, part: str) -> str:
    """One cached schema lookup of the database whose schema has `fingerprint` (part: 'tables',
    'describe:orders', ...)."""
    return f"{PREFIX}:schema:{fingerprint}:{part}"
