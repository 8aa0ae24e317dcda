"""The AutoCkt circuit server, real (ngspice through the served handlers), on a free loopback port."""

from __future__ import annotations

from typing import Callable

import autockt_ckt.handlers  # noqa: F401  (attaches the circuit handlers the server serves)
import pytest
from discovery_server import BackgroundServer, create_app
from fastapi import FastAPI


@pytest.fixture
def circuit_server(serve: Callable[[FastAPI], BackgroundServer]) -> BackgroundServer:
    return serve(create_app())
