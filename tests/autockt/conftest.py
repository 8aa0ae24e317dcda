"""The AutoCkt circuit servers the tests talk to, real (ngspice through the served handlers), on free loopback ports.

`circuit_server` runs the app in this process (its handlers can be tampered with);
`served_circuits` is `AutoCkt/scripts/start_server.py` as an operator runs it, one worker,
shared by the tests that need a server process of their own (each leaves it serving).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

import autockt_ckt.handlers  # noqa: F401  (attaches the circuit handlers the server serves)
from autockt import train
from autockt.experiment import ExperimentDir
from discovery_server import BackgroundServer, ServerProcess, create_app, free_port

from ..tiny_training import tiny_training

ROOT = Path(__file__).resolve().parents[2]
START_SERVER = ROOT / "AutoCkt/scripts/start_server.py"


def start_server_argv(port: int) -> list[str]:
    return [sys.executable, str(START_SERVER), "--sim-workers", "1", "--port", str(port)]


@pytest.fixture
def circuit_server(serve: Callable[[FastAPI], BackgroundServer]) -> BackgroundServer:
    return serve(create_app())


@pytest.fixture(scope="session")
def served_circuits(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    port = free_port()
    with ServerProcess(start_server_argv(port), port=port, cwd=tmp_path_factory.mktemp("server")) as server:
        yield server


@dataclasses.dataclass(frozen=True)
class Trained:
    server_url: str
    checkpoint: Path
    experiment: ExperimentDir


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    """A tiny PPO run through a real server, shared by the tests of a trained agent (validation on given
    targets, sizing with it, deploying it beside the optimizers, resuming it): training is most of their time.
    Learning rate 0: one batch of 120 steps teaches nothing anyway, and a run resumed from it keeps its
    weights exactly, which is how the resume test tells they were loaded."""
    with BackgroundServer(create_app()) as server:
        result = train(tiny_training(server.url, tmp_path_factory.mktemp("runs"), lr=0.0))
        yield Trained(server.url, result.checkpoint, ExperimentDir.containing(result.checkpoint))
