"""The AutoCkt circuit server the tests talk to in this process, real (ngspice through the served handlers), on
a free loopback port: `circuit_server` (its handlers can be tampered with).

The session's server process is tests/served_circuits.py's `served_circuits`; the tiny training run the tests
of a trained agent share is tests/tiny_training.py's `trained`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

import autockt_ckt.handlers  # noqa: F401  (attaches the circuit handlers the server serves)
from discovery_server import BackgroundServer, create_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def circuit_server(serve: Callable[[FastAPI], BackgroundServer]) -> BackgroundServer:
    return serve(create_app())
