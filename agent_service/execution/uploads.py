"""A turn's CSV and Parquet attachments become tables of its session: stored in Redis for the analytics
server of whichever worker runs a later turn (the record and the rules: contract/uploads.py).

Why the worker stores them, and at the start of the run: the task carries the parts whole, and only the
worker knows whether the agent that answers has the analytics tools (an agent without them gets no
table, and the model is not told of one); storing before `Runner.run_streamed` means the first tool
call of this very turn already sees the table. A retried attempt stores the same bytes again (HSET of
the same values): idempotent.
What the model is told, one bracketed note per file after the message's parts (the convention of
inputparts.py's notes): the table a file became, or why it did not (over UPLOAD_MAX_BYTES, or the
session already holds UPLOAD_MAX_FILES other tables), so it can query it or tell the user plainly.
Cost: nothing for a message without such a file; otherwise one HKEYS and one MULTI (records, data,
both TTLs = SESSION_TTL_S) on the session's slot.
"""

from __future__ import annotations

import hashlib
import time

from redis.asyncio import Redis

from agent_service.config import Settings
from contract import ChatTask, keys
from contract.parts import FilePart, size_text
from contract.uploads import UploadRecord, table_format, table_name


class SessionUploads:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.max_bytes = settings.upload_max_bytes
        self.max_files = settings.upload_max_files
        self.ttl_s = settings.session_ttl_s

    async def store(self, task: ChatTask) -> list[str]:
        """Store the task's table files under its session; the notes for the model, one per file."""
        files = [p for p in task.parts if isinstance(p, FilePart) and table_format(p.filename, p.media_type)]
        if not files:
            return []
        held = set(await self.redis.hkeys(keys.session_uploads(task.session_id)))
        records: dict[str, str] = {}
        data: dict[str, str] = {}
        notes = []
        for part in files:
            table = table_name(part.filename)
            if part.size > self.max_bytes:
                notes.append(
                    f"[{part.filename} was not loaded as a table: it is {size_text(part.size)}, over the "
                    f"{size_text(self.max_bytes)} limit for uploaded tables.]"
                )
                continue
            if table not in held and len(held) >= self.max_files:
                notes.append(
                    f"[{part.filename} was not loaded as a table: this conversation already holds "
                    f"{self.max_files} uploaded tables, the most it may.]"
                )
                continue
            held.add(table)
            record = UploadRecord(
                table=table,
                filename=part.filename,
                media_type=part.media_type,
                format=table_format(part.filename, part.media_type) or "csv",
                size=part.size,
                sha256=hashlib.sha256(part.data.encode()).hexdigest(),
                uploaded_at=time.time(),
                task_id=task.task_id,
            )
            records[table], data[table] = record.model_dump_json(), part.data
            notes.append(
                f"[{part.filename} is the table {table} for the analytics tools in this conversation: "
                "list_tables, describe_table and run_query see it.]"
            )
        if records:
            meta_key, data_key = (
                keys.session_uploads(task.session_id),
                keys.session_upload_data(task.session_id),
            )
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(meta_key, mapping=records)
                pipe.hset(data_key, mapping=data)
                pipe.expire(meta_key, self.ttl_s)
                pipe.expire(data_key, self.ttl_s)
                await pipe.execute()
        return notes
