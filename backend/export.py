"""A conversation as a file: JSON (the session as the API returns it, feedback included) or Markdown
(for people: each turn, its tool steps with their SQL, how it ended, the feedback given and the
earlier versions of a regenerated or edited turn).

Both carry every branch: an export is the owner's own record, so an earlier version of a turn comes
with the turns that followed it on its branch (TurnVersion.tail, contract/transcript.py). The JSON has
them as stored; the Markdown quotes them under the answer that replaced them, an earlier version's own
earlier versions one quote level deeper. A shared link, made for others, shows the current branch
only (backend/shares.py)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

OUTPUT_CHARS = 2000
THUMBS = {"up": "👍 up", "down": "👎 down"}


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC") if ts else ""


def _fence(text: str, lang: str = "") -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text}\n{fence}"


def _sql(arguments: dict) -> str | None:
    for key in ("sql", "query", "statement"):
        if isinstance(arguments.get(key), str):
            return arguments[key]
    return None


def _tool(step: dict) -> list[str]:
    head = f"- Tool `{step['name']}`" + (f": {step['message']}" if step.get("message") else "")
    head += f" ({step.get('duration_ms', 0)} ms)" + (" — failed" if step.get("is_error") else "")
    lines = [head, ""]
    sql = _sql(step.get("arguments") or {})
    if sql is not None:
        lines += [_fence(sql, "sql"), ""]
    output = step.get("output")
    if output is not None:
        text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False, indent=1)
        if len(text) > OUTPUT_CHARS:
            text = text[:OUTPUT_CHARS] + "\n… (cut)"
        lines += [_fence(text), ""]
    return lines


def as_markdown(session: dict) -> str:
    lines = [f"# {session['title'] or 'Conversation'}", ""]
    lines += [f"_Exported {_when(time.time())} · {len(session['messages'])} messages_", ""]
    for message in session["messages"]:
        lines += _message(message)
    return "\n".join(lines)


def _message(message: dict) -> list[str]:
    if message["role"] == "user":
        return [f"## You · {_when(message['created_at'])}", "", message["text"], ""]
    status = message.get("status") or ""
    lines = [f"## Assistant · {_when(message['created_at'])}" + (f" · {status}" if status else ""), ""]
    for step in message.get("tools") or []:
        lines += _tool(step)
    lines += [message["text"] or "_(no text)_", ""]
    feedback = message.get("feedback")
    if feedback:
        comment = f" — {feedback['comment']}" if feedback.get("comment") else ""
        lines += [f"> Feedback: {THUMBS.get(feedback['rating'], feedback['rating'])}{comment}", ""]
    return lines + _versions(message.get("versions") or [])


def _versions(versions: list[dict]) -> list[str]:
    """The earlier versions of a regenerated / edited turn, oldest first, as quotes under the answer:
    each with the question it answered and the turns that followed it on that branch (its `tail`,
    whose own earlier versions are quoted one level deeper)."""
    lines = []
    for n, version in enumerate(versions, 1):
        answer = version["answer"]
        lines += [f"> Earlier version {n} of {len(versions) + 1} · asked: {version['question']}", ">"]
        lines += _quoted((answer["text"] or "_(no text)_").splitlines())
        tail = version.get("tail") or []
        if tail:
            lines += [">", f"> _Then, on that version ({len(tail)} messages):_", ">"]
            for message in tail:
                lines += _quoted(_message(message))
        lines += [""]
    return lines


def _quoted(lines: list[str]) -> list[str]:
    return [f"> {line}" if line else ">" for line in lines]


def as_json(session: dict) -> str:
    return json.dumps({**session, "exported_at": time.time()}, ensure_ascii=False, indent=2)
