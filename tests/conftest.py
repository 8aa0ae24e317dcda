"""Fixtures every test package uses: a real uvicorn server on a free loopback port; the session-wide ones
(the Firebase Auth emulator, PostgreSQL, the AutoCkt server process, the tiny training run) are registered
here so that each starts once: a fixture registered by two packages' conftests would run once for each."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from discovery_server import BackgroundServer

from .firebase_emulator import emulated, emulator  # noqa: F401  (fixtures: the Firebase Auth emulator, once per session)
from .postgres import postgres, postgres_url  # noqa: F401  (fixtures: PostgreSQL, once per session; a database per test)
from .served_circuits import served_circuits  # noqa: F401  (fixture: an AutoCkt server process, once per session)
from .tiny_training import trained  # noqa: F401  (fixture: the tiny PPO run, once per session)


@pytest.fixture
def serve() -> Iterator[Callable[[FastAPI], BackgroundServer]]:
    """`server = serve(app)`: run `app` over real HTTP for the rest of the test."""
    servers: list[BackgroundServer] = []

    def start(app: FastAPI) -> BackgroundServer:
        servers.append(BackgroundServer(app).start())
        return servers[-1]

    yield start
    for server in servers:
        server.close()
