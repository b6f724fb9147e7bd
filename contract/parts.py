"""The parts of a chat message (text, an image, a file): one schema for the gateway's request, the task and
the worker, and the readable record of them the transcript keeps.

The shapes follow OpenAI's input parts (Responses `input_text` / `input_image` / `input_file`, Chat
Completions `text` / `image_url` / `file`), named plainly:
  {"type": "text", "text": "..."}
  {"type": "image", "image_url": "data:image/png;base64,..." | "https://...", "detail"?: "auto"|"low"|"high"}
  {"type": "file", "filename": "report.csv", "media_type": "text/csv", "data": "<base64>"}
The structure is checked here (a data URL of a PNG, JPEG, GIF or WebP image, or an https URL; valid
base64; a bare file name; a media type), so a malformed part is a 422 wherever it arrives; the gateway's
size limits (PART_MAX_BYTES, PARTS_MAX_BYTES, MAX_PARTS: backend/config.py) are settings, checked there.

What is kept where: the task carries the parts whole (the worker needs them), and the model history keeps
them as the model's input items, so a follow-up can refer to the image; the transcript (what GET of a
session returns) keeps a `PartRecord` per part — a text part in full, an image or a file by its type,
name, media type and size, and an image's https URL, never the base64 data, so a conversation stays a
few kilobytes however large its attachments were.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP"}
"""The image types OpenAI's vision models read, with the name a person knows them by."""
URL_MAX_CHARS = 2048
_DATA_URL = re.compile(r"^data:(?P<media>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)$", re.S)
_MEDIA_TYPE = re.compile(r"^[a-z0-9][\w.+-]*/[a-z0-9][\w.+-]*$", re.I)
_FILENAME_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f]")


def decoded_size(data: str) -> int:
    """Bytes the base64 `data` decodes to (valid, unbroken base64)."""
    return len(data) * 3 // 4 - (2 if data.endswith("==") else 1 if data.endswith("=") else 0)


def _base64(data: str) -> str:
    try:
        binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError):
        raise ValueError("data must be base64 (RFC 4648, no line breaks)") from None
    if not data:
        raise ValueError("data must not be empty")
    return data


class TextPart(BaseModel):
    type: Literal["text"]
    text: str = Field(min_length=1)


class ImagePart(BaseModel):
    type: Literal["image"]
    image_url: str
    """A data URL (`data:image/png;base64,...`: PNG, JPEG, GIF or WebP) or an https URL."""
    detail: Literal["auto", "low", "high"] = "auto"
    """How closely the model looks (OpenAI's `detail`; `low` costs the fewest tokens)."""

    @field_validator("image_url")
    @classmethod
    def _url(cls, value: str) -> str:
        found = _DATA_URL.match(value[:200]) and _DATA_URL.match(value)
        if found:
            if found["media"].lower() not in IMAGE_FORMATS:
                raise ValueError(f"an image must be one of {', '.join(IMAGE_FORMATS)}, not {found['media']}")
            _base64(found["data"])
            return value
        if len(value) > URL_MAX_CHARS:
            raise ValueError(f"an image URL is at most {URL_MAX_CHARS} characters")
        url = urlsplit(value)
        if url.scheme != "https" or not url.hostname:
            raise ValueError("image_url must be a data:image/...;base64 URL or an https URL")
        return value

    @property
    def media_type(self) -> str | None:
        found = _DATA_URL.match(self.image_url[:200])
        return found["media"].lower() if found else None

    @property
    def size(self) -> int:
        """Bytes of an inline image (0 for one given by URL)."""
        if self.media_type is None:
            return 0
        return decoded_size(self.image_url.split(",", 1)[1])


class FilePart(BaseModel):
    type: Literal["file"]
    filename: str = Field(min_length=1, max_length=255)
    """A bare file name (no directories)."""
    media_type: str = Field(max_length=127)
    """Its media type, e.g. text/csv, application/pdf."""
    data: str
    """The file's content, base64."""

    @field_validator("filename")
    @classmethod
    def _filename(cls, value: str) -> str:
        if _FILENAME_FORBIDDEN.search(value) or value.strip(". ") == "":
            raise ValueError("filename must be a bare file name (no path, no control characters)")
        return value

    @field_validator("media_type")
    @classmethod
    def _media_type(cls, value: str) -> str:
        if not _MEDIA_TYPE.match(value):
            raise ValueError("media_type must be a media type such as text/csv")
        return value.lower()

    @field_validator("data")
    @classmethod
    def _data(cls, value: str) -> str:
        return _base64(value)

    @property
    def size(self) -> int:
        return decoded_size(self.data)


MessagePart = Annotated[TextPart | ImagePart | FilePart, Field(discriminator="type")]


class PartRecord(BaseModel):
    """What the transcript keeps of one part: a text in full, an image or a file by type, name, media type
    and size (and an image's https URL), never its data."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    type: Literal["text", "image", "file"]
    text: str | None = None
    """A text part's text."""
    filename: str | None = None
    media_type: str | None = None
    size: int | None = None
    """Bytes of an inline image or a file."""
    url: str | None = None
    """An image given by https URL."""
    detail: str | None = None


def record(part: TextPart | ImagePart | FilePart) -> PartRecord:
    if isinstance(part, TextPart):
        return PartRecord(type="text", text=part.text)
    if isinstance(part, ImagePart):
        inline = part.media_type is not None
        return PartRecord(
            type="image",
            media_type=part.media_type,
            size=part.size if inline else None,
            url=None if inline else part.image_url,
            detail=part.detail,
        )
    return PartRecord(type="file", filename=part.filename, media_type=part.media_type, size=part.size)


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def describe(records: Iterable[PartRecord]) -> str:
    """The attachments in words: "an image (PNG, 12 KB) and a file report.csv (text/csv, 3 KB)"."""
    said = []
    for r in records:
        if r.type == "image":
            what = ", ".join(
                x for x in (IMAGE_FORMATS.get(r.media_type or ""), size_text(r.size) if r.size else None) if x
            )
            said.append(f"an image ({what})" if what else f"an image from {urlsplit(r.url or '').hostname}")
        elif r.type == "file":
            said.append(f"a file {r.filename} ({r.media_type}, {size_text(r.size or 0)})")
    if len(said) <= 1:
        return "".join(said)
    return ", ".join(said[:-1]) + " and " + said[-1]


def question_text(parts: Iterable[TextPart | ImagePart | FilePart]) -> str:
    """The readable question of a message sent as parts (its title, transcript text, search): the text
    parts, else the attachments in words, in brackets."""
    parts = list(parts)
    text = "\n\n".join(p.text for p in parts if isinstance(p, TextPart))
    return text or f"[{describe(record(p) for p in parts)}]"


__all__ = [
    "FilePart",
    "ImagePart",
    "MessagePart",
    "PartRecord",
    "TextPart",
    "describe",
    "question_text",
    "record",
]
