"""The engine boundary: typed failures, no stale results, operator settings."""

from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autockt_ckt.circuits.two_stage_opamp import two_stage_bench
from autockt_ckt.engine import NgspiceSubprocessEngine, SimulationFailed, SimulationTimeout
from autockt_ckt.settings import SHIPPED_MODEL_PATH, Settings
from autockt_shared import TWO_STAGE_OPAMP


def _settings(model_path: Path, tmp_path: Path) -> Settings:
    return Settings(model_path=model_path, run_dir=tmp_path / "runs", sim_timeout_s=30.0)


def test_a_failing_simulation_raises_and_never_returns_the_previous_result(tmp_path: Path) -> None:
    engine = NgspiceSubprocessEngine(run_dir=tmp_path / "runs")
    good = two_stage_bench(_settings(SHIPPED_MODEL_PATH, tmp_path))
    assert engine.run(good, TWO_STAGE_OPAMP.initial_values()).op()
    empty_card = tmp_path / "empty.sp"
    empty_card.write_text("* no models here\n")
    broken = two_stage_bench(_settings(empty_card, tmp_path))
    with pytest.raises(SimulationFailed):
        engine.run(broken, TWO_STAGE_OPAMP.initial_values())  # same run directory as the good run


def test_a_slow_simulation_is_killed_with_a_timeout(tmp_path: Path) -> None:
    engine = NgspiceSubprocessEngine(run_dir=tmp_path, timeout_s=1e-4)
    with pytest.raises(SimulationTimeout):
        engine.run(two_stage_bench(_settings(SHIPPED_MODEL_PATH, tmp_path)), TWO_STAGE_OPAMP.initial_values())


def test_every_bench_parameter_must_be_given(tmp_path: Path) -> None:
    engine = NgspiceSubprocessEngine(run_dir=tmp_path)
    values = {k: v for k, v in TWO_STAGE_OPAMP.initial_values().items() if k != "cc"}
    with pytest.raises(ValueError, match="cc"):
        engine.run(two_stage_bench(_settings(SHIPPED_MODEL_PATH, tmp_path)), values)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    card = tmp_path / "pdk.sp"
    card.write_text("* a licensed card\n")
    monkeypatch.setenv("AUTOCKT_MODEL_PATH", str(card))
    monkeypatch.setenv("AUTOCKT_RUN_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("AUTOCKT_SIM_TIMEOUT_S", "5")
    assert Settings.from_env() == Settings(model_path=card, run_dir=tmp_path / "runs", sim_timeout_s=5.0)
    assert Settings.from_env().sim_workers == os.cpu_count()  # one worker per core by default
    monkeypatch.setenv("AUTOCKT_SIM_WORKERS", "3")
    assert Settings.from_env().sim_workers == 3
    for bad in ("0", "two"):
        monkeypatch.setenv("AUTOCKT_SIM_WORKERS", bad)
        with pytest.raises(ValueError, match="AUTOCKT_SIM_WORKERS"):
            Settings.from_env()
    monkeypatch.delenv("AUTOCKT_SIM_WORKERS")
    monkeypatch.setenv("AUTOCKT_MODEL_PATH", str(tmp_path / "missing.sp"))
    with pytest.raises(FileNotFoundError, match="AUTOCKT_MODEL_PATH"):
        Settings.from_env()


def test_concurrent_threads_each_get_their_own_results(tmp_path: Path) -> None:
    engine = NgspiceSubprocessEngine(run_dir=tmp_path)
    bench = two_stage_bench(_settings(SHIPPED_MODEL_PATH, tmp_path))
    rng = random.Random(5)
    designs = [TWO_STAGE_OPAMP.sample_values(rng) for _ in range(8)]
    sequential = [engine.run(bench, d).op() for d in designs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda d: engine.run(bench, d).op(), designs))
    assert concurrent == sequential
    assert len(list(tmp_path.iterdir())) > 1  # one run directory per thread
