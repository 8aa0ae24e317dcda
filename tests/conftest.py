"""Fixtures every test package uses: a real uvicorn server on a free loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from discovery_server import BackgroundServer

from .firebase_emulator import emulated, emulator  # noqa: F401  (fixtures: the Firebase Auth emulator, once per session)


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
