"""Annotated dependency aliases: routes declare what they use, create_app decides what it is."""

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


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _redis(request: Request) -> Redis:
    return request.app.state.redis


def _tasks(request: Request) -> TaskStore:
    return request.app.state.tasks


def _sessions(request: Request) -> SessionStore:
    return request.app.state.sessions


def _streams(request: Request) -> StreamDeps:
    return request.app.state.streams


def _admission(request: Request) -> Admission:
    return request.app.state.admission


def _lifecycle(request: Request) -> Lifecycle:
    return request.app.state.lifecycle


SettingsDep = Annotated[Settings, Depends(_settings)]
RedisDep = Annotated[Redis, Depends(_redis)]
TasksDep = Annotated[TaskStore, Depends(_tasks)]
SessionsDep = Annotated[SessionStore, Depends(_sessions)]
StreamsDep = Annotated[StreamDeps, Depends(_streams)]
LifecycleDep = Annotated[Lifecycle, Depends(_lifecycle)]
AdmissionDep = Annotated[Admission, Depends(_admission)]
