"""The task list's storage: one SQLAlchemy database (TASKS_DATABASE_URL; SQLite by default), every
operation scoped to one owner, every write done once per idempotency key.

Why it looks like this:
- Owner scoping is in the storage API itself: every method takes the owner first and every statement
  filters on it, so no caller can reach another owner's rows by forgetting a WHERE. The owner is never
  an argument the model can set (server.py reads it from the MCP request's `_meta`, which the worker
  fills from the authenticated task).
- Tasks are numbered per owner (1, 2, 3 ... in the order they were added) and never renumbered:
  "complete task 1" means the caller's first task whatever other users hold. Deleting marks the row
  deleted (numbers are never reused, so an old "task 3" never silently means a newer task).
- Exactly-once writes: a write carries an idempotency key (the chat task id and the model's tool call
  id, joined by the server). The key's row in `task_list_writes` is inserted in the same transaction as
  the change, with the result; a write that finds its key already there returns the stored result and
  changes nothing. So a worker killed after the write but before the answer, whose task is redelivered
  and resumed from the same saved run state (same call id), does not add the task twice. A failed write
  (no such task) records nothing: it changed nothing, so running it again is harmless.
- Sync SQLAlchemy Core: the MCP server runs sync tools in worker threads, like the analytics server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

MAX_TITLE = 200
_ADD_RETRIES = 5

metadata = MetaData()
items = Table(
    "task_list_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(128), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("title", String(MAX_TITLE), nullable=False),
    Column("done", Boolean, nullable=False, default=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("owner", "number", name="uq_task_list_owner_number"),
)
writes = Table(
    "task_list_writes",
    metadata,
    Column("idempotency_key", String(255), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("tool", String(32), nullable=False),
    Column("result", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)


class TaskListError(Exception):
    """A request the list cannot do (no such task, a bad title); the message is for the model."""


def _item(row: Any) -> dict[str, Any]:
    return {"number": row.number, "title": row.title, "done": bool(row.done)}


def _title(title: str) -> str:
    title = " ".join(str(title).split())
    if not title:
        raise TaskListError("a task needs a title")
    if len(title) > MAX_TITLE:
        raise TaskListError(f"a title has at most {MAX_TITLE} characters")
    return title


class TaskList:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 15}  # writers wait for SQLite's lock instead of failing
        self.engine = create_engine(url, pool_pre_ping=True, **kwargs)
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # reads ---------------------------------------------------------------------------------------

    def list(self, owner: str) -> list[dict[str, Any]]:
        query = (
            select(items)
            .where(items.c.owner == _owner(owner), items.c.deleted.is_(False))
            .order_by(items.c.number)
        )
        with self.engine.connect() as conn:
            return [_item(row) for row in conn.execute(query)]

    # writes --------------------------------------------------------------------------------------

    def add(self, owner: str, title: str, key: str) -> dict[str, Any]:
        title = _title(title)

        def insert(conn: Connection) -> dict[str, Any]:
            last = conn.execute(select(func.max(items.c.number)).where(items.c.owner == owner)).scalar()
            now = time.time()
            number = (last or 0) + 1
            conn.execute(
                items.insert().values(
                    owner=owner,
                    number=number,
                    title=title,
                    done=False,
                    deleted=False,
                    created_at=now,
                    updated_at=now,
                )
            )
            return {"added": {"number": number, "title": title, "done": False}}

        return self._once(owner, key, "add_task", insert)

    def update(self, owner: str, number: int, title: str, key: str) -> dict[str, Any]:
        title = _title(title)
        return self._once(owner, key, "update_task", self._change(owner, number, "updated", title=title))

    def complete(self, owner: str, number: int, key: str) -> dict[str, Any]:
        return self._once(owner, key, "complete_task", self._change(owner, number, "completed", done=True))

    def delete(self, owner: str, number: int, key: str) -> dict[str, Any]:
        return self._once(owner, key, "delete_task", self._change(owner, number, "deleted", deleted=True))

    def _change(self, owner: str, number: int, verb: str, **values: Any) -> Callable[[Connection], dict]:
        def change(conn: Connection) -> dict[str, Any]:
            mine = (items.c.owner == owner, items.c.number == int(number), items.c.deleted.is_(False))
            row = conn.execute(select(items).where(*mine)).first()
            if row is None:
                raise TaskListError(f"there is no task {number} in your list")
            conn.execute(items.update().where(*mine).values(updated_at=time.time(), **values))
            after = {**_item(row), **{k: v for k, v in values.items() if k in ("title", "done")}}
            return {verb: after}

        return change

    def _once(self, owner: str, key: str, tool: str, write: Callable[[Connection], dict]) -> dict[str, Any]:
        """Run `write` and record its result under `key`, in one transaction; a key already recorded
        answers its stored result without writing again."""
        owner = _owner(owner)
        if not key:
            raise TaskListError("a write needs an idempotency key")
        for _ in range(_ADD_RETRIES):
            stored = self._stored(owner, key)
            if stored is not None:
                return stored
            try:
                with self.engine.begin() as conn:
                    result = write(conn)
                    conn.execute(
                        writes.insert().values(
                            idempotency_key=key,
                            owner=owner,
                            tool=tool,
                            result=json.dumps(result),
                            created_at=time.time(),
                        )
                    )
                return result
            except IntegrityError:
                continue  # the same key written meanwhile (answered above), or a number taken: retry
        raise TaskListError("the task list is busy; try again")

    def _stored(self, owner: str, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(writes).where(writes.c.idempotency_key == key)).first()
        if row is None:
            return None
        if row.owner != owner:
            raise TaskListError("that write belongs to someone else")
        return json.loads(row.result)


def _owner(owner: str) -> str:
    if not isinstance(owner, str) or not owner.strip():
        raise TaskListError("no caller identity: the task list serves only requests made for a user")
    return owner
