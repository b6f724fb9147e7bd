"""What the offline demo model makes of a user message's content: its text, and the images and files it
carries, which the demo model cannot look into but names, so a chat with attachments shows its way from
the request to the model without an API key ("I received an image (PNG, 12 KB) and a file report.csv").
"""

from __future__ import annotations

from typing import Any

from agent_service.execution.inputparts import records_of
from contract.parts import describe
from contract.uploads import table_format


def content_text(content: Any) -> str:
    """Plain text of a message content / tool output (str, or a list of text parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return "" if content is None else str(content)


def question_text(content: Any) -> str:
    """What the user wrote: the text parts of a message, without the worker's bracketed notes about its
    attachments ("[sales.csv is the table upload_sales ...]", execution/uploads.py and inputparts.py)."""
    if not isinstance(content, list):
        return content_text(content)
    texts = [
        str(p.get("text", ""))
        for p in content
        if isinstance(p, dict) and p.get("type") in ("input_text", "text")
    ]
    return "\n\n".join(t for t in texts if not (t.startswith("[") and t.endswith("]")))


def tabular_hint(content: Any) -> str:
    """For a message carrying a CSV or Parquet file: that it can be asked about (it is a table now)."""
    files = [
        r.filename
        for r in records_of(content)
        if r.type == "file" and table_format(r.filename or "", r.media_type or "")
    ]
    if not files:
        return ""
    return (
        f" {files[0]} is also a table of this conversation for the analytics tools, so I can query it: ask "
        f"“how many rows are in {files[0]}?” or “top 5 by <column>”."
    )


def received_answer(content: Any) -> str | None:
    """The demo's answer to a message with images or files (None for one without)."""
    attached = [r for r in records_of(content) if r.type != "text"]
    if not attached:
        return None
    question = " ".join(question_text(content).split())
    asked = f" You wrote: “{question}”." if question else ""
    return (
        f"I received {describe(attached)}.{asked} I am the offline demo model, so I can say what arrived "
        "but not look inside it; a model that reads images and files answers about their content."
    )
