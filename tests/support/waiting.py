"""Polling until a condition holds, for tests that wait on another task, thread or process.

One async version (the predicate may be sync or async) and one sync version (for tests that run no
event loop or must not yield to it); both return the predicate's first truthy value and fail with
`what` when `timeout` passes first.
"""

from __future__ import annotations

import asyncio
import inspect
import time


async def wait_until(predicate, timeout: float = 5.0, *, what: str = "condition", interval: float = 0.01):  # noqa: ASYNC109
    """Await `predicate()` (awaiting its result when it is awaitable) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(interval)


def wait_until_sync(predicate, timeout: float = 5.0, *, what: str = "condition", interval: float = 0.1):
    """Call `predicate()` until it is truthy, sleeping the thread in between."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
