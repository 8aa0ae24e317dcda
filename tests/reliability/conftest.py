"""Servers as an operator starts them, for the reliability tests: the Example and the AutoCkt
`start_server.py` scripts in their own processes on free loopback ports, no auth; one of each is
shared by the session's tests that leave it serving."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from discovery_server import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SCRIPT = ROOT / "Example" / "scripts" / "start_server.py"
AUTOCKT_SCRIPT = ROOT / "AutoCkt" / "scripts" / "start_server.py"

StartServer = Callable[..., ServerProcess]


def server_process(script: Path, *flags: str, port: int | None = None) -> ServerProcess:
    """`script` on `port` (a free one by default) of 127.0.0.1, no auth, with `flags` added; not started."""
    port = port or free_port()
    argv = [sys.executable, str(script), "--host", "127.0.0.1", "--port", str(port), "--auth", "none", *flags]
    return ServerProcess(argv, port=port, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, startup_timeout=120)


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """`start_server(script, *flags, port=None)`: a started server process, stopped at the end of the test."""
    started: list[ServerProcess] = []

    def start(script: Path, *flags: str, port: int | None = None) -> ServerProcess:
        started.append(server_process(script, *flags, port=port).start())
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture(scope="session")
def example_server() -> Iterator[ServerProcess]:
    with server_process(EXAMPLE_SCRIPT) as server:
        yield server


AUTOCKT_MAX_BATCH = 8
"""The AutoCkt server's largest batch, small: schemathesis simulates a whole batch of `maxItems` inputs."""


@pytest.fixture(scope="session")
def autockt_server() -> Iterator[ServerProcess]:
    """Two workers, batches of at most `AUTOCKT_MAX_BATCH` items; shared by the tests that leave it serving."""
    with server_process(AUTOCKT_SCRIPT, "--sim-workers", "2", "--max-batch", str(AUTOCKT_MAX_BATCH)) as server:
        yield server
