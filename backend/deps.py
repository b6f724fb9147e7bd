"""Annotated dependency aliases: routes declare what they use, create_app decides what it is.

They are `async def` although they only read app.state: FastAPI runs a plain `def` dependency in
its thread pool, and the chat route resolves five of them per request. Each hop costs a thread
wake-up and the GIL hand-off both ways; under load that was the gateway's largest fixed cost per
chat after the rate limiter, and the first event waited behind the pool's queue.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis

from backend.capacity import Admission
from backend.config import Settings
from backend.lifecycle import Lifecycle
from backend.sessions import SessionStore
from backend.stream import StreamDeps
from backend.taskstore import TaskStore


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _redis(request: Request) -> Redis:
    return request.app.state.redis


async def _tasks(request: Request) -> TaskStore:
    return request.app.state.tasks


async def _sessions(request: Request) -> SessionStore:
    return request.app.state.sessions


async def _streams(request: Request) -> StreamDeps:
    return request.app.state.streams


async def _admission(request: Request) -> Admission:
    return request.app.state.admission


async def _lifecycle(request: Request) -> Lifecycle:
    return request.app.state.lifecycle


SettingsDep = Annotated[Settings, Depends(_settings)]
RedisDep = Annotated[Redis, Depends(_redis)]
TasksDep = Annotated[TaskStore, Depends(_tasks)]
SessionsDep = Annotated[SessionStore, Depends(_sessions)]
StreamsDep = Annotated[StreamDeps, Depends(_streams)]
LifecycleDep = Annotated[Lifecycle, Depends(_lifecycle)]
AdmissionDep = Annotated[Admission, Depends(_admission)]
