"""Engines shared by the PDK tests: libngspice (one per process, whatever the engine object) and
`ngspice -b`, each simulating in a directory of the session's."""

from __future__ import annotations

import pytest

from autockt_ckt.engine import NgspiceSubprocessEngine
from autockt_ckt.libngspice_engine import LibngspiceEngine


@pytest.fixture(scope="session")
def libngspice(tmp_path_factory: pytest.TempPathFactory) -> LibngspiceEngine:
    return LibngspiceEngine(run_dir=tmp_path_factory.mktemp("pdk-libngspice"), timeout_s=None)


@pytest.fixture(scope="session")
def subprocess_engine(tmp_path_factory: pytest.TempPathFactory) -> NgspiceSubprocessEngine:
    return NgspiceSubprocessEngine(run_dir=tmp_path_factory.mktemp("pdk-subprocess"))
