"""A server is started for one PDK: `start_server.py --pdk NAME` or AUTOCKT_PDK; its pool's
workers simulate with it; a PDK that is unknown or not installed stops the server at start,
saying what to do."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autockt_ckt.engine import NgspiceSubprocessEngine
from autockt_ckt.pdks import pdk
from autockt_ckt.pdks.wheel import INSTALL_COMMAND
from autockt_ckt.pool import SimulatorPool
from autockt_ckt.settings import Settings
from autockt_ckt.simulator import Simulator

from .device_bench import SIZES, device_bench, drain_currents

ROOT = Path(__file__).resolve().parents[2]
START_SERVER = ROOT / "AutoCkt/scripts/start_server.py"


def _start(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(START_SERVER), "--port", "1", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_an_unknown_pdk_is_refused_naming_the_choices() -> None:
    started = _start(["--pdk", "tsmc7"])
    assert started.returncode != 0
    assert "no PDK named 'tsmc7': choose one of ['gf180mcu', 'ptm45', 'sky130']" in started.stderr


def test_a_pdk_without_its_files_is_refused_naming_the_install_command(tmp_path: Path) -> None:
    started = _start([], AUTOCKT_PDK="sky130", AUTOCKT_PDK_DIR=str(tmp_path))
    assert started.returncode != 0
    assert INSTALL_COMMAND in started.stderr and "'sky130'" in started.stderr


def _devices_at_ff(sim: Simulator) -> tuple[str, tuple[float, float]]:
    """A pool job: the worker's PDK, and its devices' currents at its first non-typical corner."""
    kit = pdk(sim.settings.pdk)
    return kit.name, drain_currents(sim.engine.run(device_bench(kit, kit.corner_set("ppaas")[1]), SIZES))


@pytest.mark.parametrize("name", ["gf180mcu"])
def test_the_pool_workers_simulate_with_the_settings_pdk(name: str, tmp_path: Path, subprocess_engine: NgspiceSubprocessEngine) -> None:
    settings = dataclasses.replace(Settings.from_env(), run_dir=tmp_path, sim_workers=1, pdk=name)
    with SimulatorPool(settings) as pool:
        served, currents = asyncio.run(pool.run(_devices_at_ff))
    kit = pdk(name)
    assert served == name
    assert currents == drain_currents(subprocess_engine.run(device_bench(kit, kit.corner_set("ppaas")[1]), SIZES))
