"""Writes the wire's JSON Schema, the one source of the UI's TypeScript types (`npm run gen:types`).

The document holds every schema component of the gateway's OpenAPI document (REST request and response
bodies) plus the stream's event union, which OpenAPI cannot describe (SSE frames are not a response
model). Schemas are taken in serialization mode, i.e. as the backend *sends* them. The root object has
one property per component so json-schema-to-typescript emits a named type for each; `Event` is the
tagged union of the events a task streams.

    python -m backend.schema_export [OUT]     # default: stdout
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import TypeAdapter

from backend.app import create_app
from backend.config import Settings
from contract.events import Event
from contract.transcript import ToolStep, TranscriptMessage, TurnVersion

REF_PREFIX = "#/components/schemas/"


def wire_schema() -> dict:
    """The JSON Schema document of everything the gateway sends or accepts, keys sorted."""
    app = create_app(Settings(_env_file=None, api_keys="schema-export"))
    components: dict = dict(app.openapi().get("components", {}).get("schemas", {}))
    for name, adapter in (
        ("Event", TypeAdapter(Event)),
        ("ToolStep", TypeAdapter(ToolStep)),
        ("TranscriptMessage", TypeAdapter(TranscriptMessage)),
        ("TurnVersion", TypeAdapter(TurnVersion)),
    ):
        schema = adapter.json_schema(mode="serialization", ref_template=REF_PREFIX + "{model}")
        components.update(schema.pop("$defs", {}))
        components.setdefault(name, schema)
    components["Event"]["title"] = "Event"
    for schema in components.values():
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)  # else every field becomes a named alias type (Seq4, TaskId5...)
            prop.pop("default", None)  # types carry no defaults, and `{default: null}` reads as an object
    return {
        "title": "Wire",
        "description": "Every schema the gateway sends or accepts (generated; see backend/schema_export.py).",
        "type": "object",
        "properties": {name: {"$ref": REF_PREFIX + name} for name in sorted(components)},
        "additionalProperties": False,
        "components": {"schemas": dict(sorted(components.items()))},
    }


def main(argv: list[str]) -> None:
    text = json.dumps(wire_schema(), indent=2, sort_keys=True) + "\n"
    if argv:
        Path(argv[0]).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
