"""The fixed synthetic answer the relay benchmarks stream: the same events for every relay under test.

`Answer(tokens=200, event_tokens=5, tokens_per_s=40)` is 200 one-word tokens in token events of 5
tokens each (what a worker's TOKEN_FLUSH_MS coalescing produces from a model at that speed), then
`complete` with usage.output_tokens = tokens. The events are the contract's own models, so the
producer (through the real event log), the stock relay and the direct server all send byte-for-byte
what a worker would. tokens_per_s = 0 is a firehose: no pause between events.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from contract import CompleteEvent, TokenEvent, Usage
from contract.events import _Event

WORD = "tok "


@dataclass(frozen=True)
class Answer:
    tokens: int = 200
    event_tokens: int = 5
    tokens_per_s: float = 40
    hold_s: float = 0
    """Pause after the first token event (idle-stream runs: a model that stopped to think)."""

    @property
    def token_events(self) -> int:
        return -(-self.tokens // self.event_tokens)

    def as_args(self) -> list[str]:
        return [
            f"--tokens={self.tokens}",
            f"--event-tokens={self.event_tokens}",
            f"--tokens-per-s={self.tokens_per_s:g}",
            f"--hold-s={self.hold_s:g}",
        ]

    async def events(self, task_id: str, session_id: str) -> AsyncIterator[_Event]:
        """The answer's events after `session`, paced like the model they stand for."""
        pause = self.event_tokens / self.tokens_per_s if self.tokens_per_s > 0 else 0
        left = self.tokens
        first = True
        while left > 0:
            n = min(left, self.event_tokens)
            left -= n
            if pause:
                await asyncio.sleep(pause)
            yield TokenEvent(task_id=task_id, content=WORD * n)
            if first and self.hold_s:
                await asyncio.sleep(self.hold_s)
            first = False
        yield CompleteEvent(
            task_id=task_id,
            session_id=session_id,
            response=WORD * self.tokens,
            usage=Usage(output_tokens=self.tokens, total_tokens=self.tokens),
        )


def add_arguments(parser) -> None:
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--event-tokens", type=int, default=5)
    parser.add_argument("--tokens-per-s", type=float, default=40)
    parser.add_argument("--hold-s", type=float, default=0)


def from_args(args) -> Answer:
    return Answer(args.tokens, args.event_tokens, args.tokens_per_s, args.hold_s)
