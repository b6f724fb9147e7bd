"""A task's question as the model's input: a plain message as it is, a message sent as parts as one user
message of the SDK's input items (`input_text`, `input_image`, `input_file`: the Responses shapes, which
the SDK converts to Chat Completions' `text` / `image_url` / `file` parts when OPENAI_API is
chat_completions).

An image or a file the model does not read (MODEL_INPUTS) becomes a line of text saying what was attached
and left out, so the model can tell the user plainly. The gateway refuses such a chat at the door already
(backend/messageparts.py); this covers a task that reached a worker whose model changed in between.

`records_of` goes the other way, from input items back to the transcript's readable records
(contract/parts.py), for a model that reports what it was sent (the offline demo model).
"""

from __future__ import annotations

from typing import Any

from contract import ChatTask
from contract.parts import FilePart, ImagePart, PartRecord, TextPart, decoded_size, describe, record


def _item(part: TextPart | ImagePart | FilePart, inputs: list[str]) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "input_text", "text": part.text}
    if part.type not in inputs:
        said = describe([record(part)])
        return {
            "type": "input_text",
            "text": f"[The user attached {said}; this model reads only text, so it was left out.]",
        }
    if isinstance(part, ImagePart):
        return {"type": "input_image", "image_url": part.image_url, "detail": part.detail}
    return {
        "type": "input_file",
        "filename": part.filename,
        "file_data": f"data:{part.media_type};base64,{part.data}",
    }


def model_input(task: ChatTask, inputs: list[str], notes: list[str] = ()) -> str | list[dict[str, Any]]:
    """What `Runner.run_streamed` is given as this turn's input; `notes` (what became of the attached
    tables: execution/uploads.py) follow the parts as text."""
    if not task.parts:
        return task.message
    content = [_item(part, inputs) for part in task.parts]
    content += [{"type": "input_text", "text": note} for note in notes]
    return [{"role": "user", "content": content}]


def _data_url(url: str) -> tuple[str | None, int | None]:
    """(media type, bytes) of a base64 data URL; (None, None) for any other URL."""
    head, _, data = url.partition(",")
    if not head.startswith("data:") or not head.endswith(";base64"):
        return None, None
    return head[5:-7].lower(), decoded_size(data)


def records_of(content: Any) -> list[PartRecord]:
    """The readable records of a user message's content (a plain string has no parts)."""
    if not isinstance(content, list):
        return []
    found = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "input_text":
            found.append(PartRecord(type="text", text=str(part.get("text", ""))))
        elif kind == "input_image":
            url = str(part.get("image_url") or "")
            media_type, size = _data_url(url)
            found.append(
                PartRecord(
                    type="image",
                    media_type=media_type,
                    size=size,
                    url=None if media_type else url,
                    detail=part.get("detail"),
                )
            )
        elif kind == "input_file":
            media_type, size = _data_url(str(part.get("file_data") or ""))
            found.append(
                PartRecord(type="file", filename=part.get("filename"), media_type=media_type, size=size)
            )
    return found
