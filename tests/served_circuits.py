"""`AutoCkt/scripts/start_server.py` as an operator runs it, one worker, on a free loopback port: fixture
`served_circuits` (registered by tests/conftest.py), started once and shared by the tests of every package
that need an AutoCkt server process of their own; each test leaves it serving."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from discovery_server import ServerProcess, free_port

START_SERVER = Path(__file__).resolve().parents[1] / "AutoCkt/scripts/start_server.py"


def start_server_argv(port: int) -> list[str]:
    return [sys.executable, str(START_SERVER), "--sim-workers", "1", "--port", str(port)]


@pytest.fixture(scope="session")
def served_circuits(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    port = free_port()
    # 120 s to start, as the reliability tests' servers: on a loaded 2-core machine a start has taken over 60 s
    with ServerProcess(start_server_argv(port), port=port, cwd=tmp_path_factory.mktemp("server"), startup_timeout=120) as server:
        yield server
