"""What the gateway checks of a chat's question beyond its schema, before anything is written: its size, and
whether the agent's model reads the images and files it carries.

The part schema (contract/parts.py) refuses malformed parts (422, from validation). Here, with the
gateway's settings: text longer than MAX_MESSAGE_CHARS (a plain message, or a message's text parts
together), an image or a file over PART_MAX_BYTES, or all of them over PARTS_MAX_BYTES is a 413, like a
body over the request limit; more than MAX_PARTS parts is a 422.

A model that reads only text (the worker's MODEL_INPUTS, advertised per agent in its heartbeat:
contract/agents.py) is answered at the door: a 422 naming what the agent reads, with its `inputs`, rather
than a run whose model never sees the picture. The agent is the one the chat names, else its session's,
else the default. (A worker that gets such a task anyway, from a heartbeat that changed in between, tells
the model in words what was attached and left out: agent_service/execution/inputparts.py.)
"""

from __future__ import annotations

from redis.asyncio import Redis

from backend.config import Settings
from backend.errors import ApiError
from backend.schemas import ChatRequest
from contract import SessionField, keys
from contract.agents import DEFAULT_AGENT, AgentInfo
from contract.parts import TextPart

_NAMES = {"image": "an image", "file": "a file"}


def check_size(body: ChatRequest, settings: Settings) -> None:
    """413 for too much text or data, 422 for too many parts."""
    parts = body.parts or []
    text = len(body.message or "") + sum(len(p.text) for p in parts if isinstance(p, TextPart))
    if text > settings.max_message_chars:
        raise ApiError(413, f"message is longer than {settings.max_message_chars} characters")
    if len(parts) > settings.max_parts:
        raise ApiError(422, f"a message has at most {settings.max_parts} parts, not {len(parts)}")
    total = 0
    for index, part in enumerate(parts):
        if isinstance(part, TextPart):
            continue
        if part.size > settings.part_max_bytes:
            raise ApiError(
                413, f"parts[{index}] ({part.type}) is {part.size} bytes, over {settings.part_max_bytes}"
            )
        total += part.size
    if total > settings.parts_max_bytes:
        raise ApiError(413, f"the parts hold {total} bytes, over {settings.parts_max_bytes}")


async def check_inputs(redis: Redis, body: ChatRequest, agents: dict[str, AgentInfo]) -> None:
    """422 when the agent's model does not read an image or a file the question carries."""
    kinds = sorted({p.type for p in body.parts or [] if not isinstance(p, TextPart)})
    if not kinds:
        return
    name = body.agent
    if name is None and body.session_id:
        name = await redis.hget(keys.session(body.session_id), SessionField.AGENT)
    name = name or DEFAULT_AGENT
    info = agents.get(name)
    if info is None:
        return  # no live worker runs it: the capacity check or the worker answers that
    missing = [kind for kind in kinds if kind not in info.inputs]
    if missing:
        raise ApiError(
            422,
            f"the model of the agent '{name}' reads only {', '.join(info.inputs)}: it cannot take "
            f"{' or '.join(_NAMES[kind] for kind in missing)}",
            extra={"inputs": list(info.inputs)},
        )
