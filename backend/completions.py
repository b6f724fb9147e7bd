"""The OpenAI-compatible facade's side of a chat: the request it accepts, the conversation it continues,
and the `chat.completion` it answers with (the stream's chunks: backend/completionstream.py).

An OpenAI-style client sends the whole conversation every time and keeps no session id; our agent
keeps its own history per session. So a conversation is found by what it has said so far: once a turn
ends, the digest of its messages (the question asked and the answer given) is stored under
keys.owner_thread(owner, digest) → session id. The next request's messages minus its last user message
hash to that digest when the client sent the conversation back unchanged, and the turn continues the
session (the agent sees its own history, tool results included). A conversation we do not know (edited,
expired, or begun elsewhere) starts a new session whose question carries the earlier messages as text.
System messages are not part of the digest: clients such as Open WebUI add or change them freely, and
the agent has its own instructions.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from redis.asyncio import Redis

from backend.answer import ChatAnswer
from contract import keys
from contract.agents import AgentInfo

OWNED_BY = "agent-stream"


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text: a string, or the text parts of a content list."""
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")


class CompletionRequest(BaseModel):
    """POST /v1/chat/completions (the fields the facade uses; the rest of OpenAI's are accepted and ignored)."""

    model_config = ConfigDict(extra="ignore")

    model: str
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    stream_options: dict[str, Any] | None = None

    @field_validator("messages")
    @classmethod
    def _ends_with_a_question(cls, messages: list[Message]) -> list[Message]:
        if messages[-1].role != "user" or not messages[-1].text().strip():
            raise ValueError("the last message must be a non-empty user message")
        return messages

    @property
    def include_usage(self) -> bool:
        return bool((self.stream_options or {}).get("include_usage"))


def _turns(messages: list[Message]) -> list[tuple[str, str]]:
    return [(m.role, m.text()) for m in messages if m.role in ("user", "assistant")]


def digest(turns: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(turns, ensure_ascii=False).encode()).hexdigest()[:32]


class Threads:
    """Which session an OpenAI-style conversation continues."""

    def __init__(self, redis: Redis, ttl_s: int) -> None:
        self.redis = redis
        self.ttl_s = ttl_s

    async def find(self, owner: str, request: CompletionRequest) -> tuple[str | None, str]:
        """(the session to continue or None, the question to ask in it)."""
        earlier, question = _turns(request.messages[:-1]), request.messages[-1].text()
        if not earlier:
            return None, question
        session_id = await self.redis.get(keys.owner_thread(owner, digest(earlier)))
        if session_id:
            return session_id, question
        told = "\n".join(f"{role.capitalize()}: {text}" for role, text in earlier)
        return None, f"Earlier in this conversation:\n{told}\n\nNow: {question}"

    async def remember(self, owner: str, request: CompletionRequest, session_id: str, answer: str) -> None:
        """After a turn ended: this conversation, answer included, continues `session_id`."""
        said = [*_turns(request.messages), ("assistant", answer)]
        await self.redis.set(keys.owner_thread(owner, digest(said)), session_id, ex=self.ttl_s)


def completion_id(task_id: str) -> str:
    return f"chatcmpl-{task_id}"


def usage_of(answer_usage: Any) -> dict[str, int]:
    return {
        "prompt_tokens": answer_usage.input_tokens,
        "completion_tokens": answer_usage.output_tokens,
        "total_tokens": answer_usage.total_tokens,
    }


def completion(answer: ChatAnswer, model: str) -> dict[str, Any]:
    """A `chat.completion` object. The agent's own record of the turn (tool calls with their output,
    query results, workflow, timings) rides along as `agent_stream`; strict clients ignore it."""
    return {
        "id": completion_id(answer.task_id),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.response},
                "finish_reason": "stop",
            }
        ],
        "usage": usage_of(answer.usage),
        "agent_stream": answer.model_dump(
            mode="json",
            include={"task_id", "session_id", "status", "tool_calls", "data", "workflow", "timings"},
        ),
    }


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """OpenAI's error shape, which its clients turn into their own exceptions."""
    return {"error": {"message": message, "type": kind, "code": code, "param": None}}


def models(agents: dict[str, AgentInfo]) -> dict[str, Any]:
    """The agents the live workers run, as OpenAI models (model = agent)."""
    return {
        "object": "list",
        "data": [{"id": name, "object": "model", "created": 0, "owned_by": OWNED_BY} for name in agents],
    }
