"""The in-process libngspice engine against the subprocess engine, on the same benches."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hdl21.sim as hs
import numpy as np
import psutil
import pytest

from autockt_ckt.circuits.folded_cascode import folded_cascode_bench
from autockt_ckt.circuits.two_stage_opamp import two_stage_bench
from autockt_ckt.engine import Bench, NgspiceSubprocessEngine, SimResult, SimulationFailed, SimulationTimeout
from autockt_ckt.engine_selection import select_engine
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.metrics import opamp_metrics
from autockt_ckt.opamp_testbench import OUTPUT_NODE, SUPPLY_SOURCE
from autockt_ckt.settings import SHIPPED_MODEL_PATH, Settings
from autockt_shared import FOLDED_CASCODE, TWO_STAGE_OPAMP
from autockt_shared.optimization import CircuitOptimization

SETTINGS = Settings(model_path=SHIPPED_MODEL_PATH, run_dir=Path("/unused"), sim_timeout_s=30.0)
TWO_STAGE = two_stage_bench(SETTINGS)
FOLDED = folded_cascode_bench(SETTINGS)


@pytest.fixture
def engine(tmp_path: Path) -> LibngspiceEngine:
    return LibngspiceEngine(run_dir=tmp_path)


def max_relative_difference(a: SimResult, b: SimResult) -> float:
    a_op, b_op, a_ac, b_ac = a.op(), b.op(), a.ac(), b.ac()
    assert set(a_op) == set(b_op) and set(a_ac.values) == set(b_ac.values)  # the same vector names
    assert np.array_equal(a_ac.freq, b_ac.freq)
    scale = lambda x: np.maximum(np.abs(x), 1e-30)  # noqa: E731
    op = max(abs(a_op[k] - b_op[k]) / scale(a_op[k]) for k in a_op)
    ac = max(float(np.max(np.abs(a_ac.values[k] - b_ac.values[k]) / scale(a_ac.values[k]))) for k in a_ac.values)
    return max(op, ac)


def identical(a: SimResult, b: SimResult) -> bool:
    return max_relative_difference(a, b) == 0.0


@pytest.mark.parametrize(
    ("bench", "circuit"), [(TWO_STAGE, TWO_STAGE_OPAMP), (FOLDED, FOLDED_CASCODE)], ids=["two_stage", "folded_cascode"]
)
def test_agrees_with_the_subprocess_engine_on_random_points(
    bench: Bench, circuit: CircuitOptimization, engine: LibngspiceEngine, tmp_path: Path
) -> None:
    reference = NgspiceSubprocessEngine(run_dir=tmp_path / "subprocess")
    rng = random.Random(7)
    for _ in range(20):
        values = circuit.sample_values(rng)
        assert max_relative_difference(reference.run(bench, values), engine.run(bench, values)) <= 1e-6, values


def test_reset_point_matches_the_autockt_reference(engine: LibngspiceEngine) -> None:
    out = opamp_metrics(engine.run(TWO_STAGE, TWO_STAGE_OPAMP.initial_values()), OUTPUT_NODE, SUPPLY_SOURCE)
    assert out.gain == pytest.approx(357.0, rel=0.005)
    assert out.ugbw == pytest.approx(9.64e6, rel=0.01)
    assert out.phm == pytest.approx(7.7, abs=0.3)
    assert out.ibias == pytest.approx(76.2e-6, rel=0.01)


def test_failures_raise_and_the_engine_keeps_working(engine: LibngspiceEngine, tmp_path: Path) -> None:
    good = TWO_STAGE_OPAMP.initial_values()
    expected = engine.run(TWO_STAGE, good)
    with pytest.raises(SimulationFailed, match="multiplier"):
        engine.run(TWO_STAGE, {**good, "mn5": -1})  # BSIM4 refuses a negative multiplier
    assert identical(engine.run(TWO_STAGE, good), expected)
    empty_card = tmp_path / "empty.sp"
    empty_card.write_text("* no models here\n")
    no_models = two_stage_bench(Settings(model_path=empty_card, run_dir=tmp_path, sim_timeout_s=30.0))
    with pytest.raises(SimulationFailed):
        engine.run(no_models, good)
    assert identical(engine.run(TWO_STAGE, good), expected)
    with pytest.raises(ValueError, match="finite"):
        engine.run(TWO_STAGE, {**good, "cc": float("inf")})  # ngspice could not recover from it


FATAL_ERROR_SCRIPT = """
import sys
from pathlib import Path
from autockt_ckt import libngspice_engine
from autockt_ckt.engine import SimulatorLost
from autockt_ckt.settings import SHIPPED_MODEL_PATH, Settings
from autockt_ckt.circuits.two_stage_opamp import two_stage_bench
from autockt_shared import TWO_STAGE_OPAMP

run_dir = Path(sys.argv[1])
bench = two_stage_bench(Settings(model_path=SHIPPED_MODEL_PATH, run_dir=run_dir, sim_timeout_s=30.0))
engine = libngspice_engine.LibngspiceEngine(run_dir=run_dir)
# What `check_values` keeps out of the engine: ngspice cannot recover from its formula error.
fatal = libngspice_engine._owner().submit(libngspice_engine._SIMULATOR.run, engine._netlist(bench), [("cc", "nan")], run_dir, None)
try:
    fatal.result()
except SimulatorLost:
    print("lost")
try:
    engine.run(bench, TWO_STAGE_OPAMP.initial_values())
except SimulatorLost as err:
    print("still lost:", err)
"""


def test_after_a_fatal_ngspice_error_every_evaluation_of_the_process_raises_simulator_lost(tmp_path: Path) -> None:
    """Run in its own process: the library stays unusable for the rest of the process (a pool worker then exits)."""
    done = subprocess.run([sys.executable, "-c", FATAL_ERROR_SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("lost\nstill lost: libngspice failed fatally earlier in this process"), done.stdout


def test_a_slow_simulation_is_halted_with_a_timeout(tmp_path: Path) -> None:
    dense = [hs.Ac(name="ac", sweep=hs.LogSweep(1, 10e9, 200_000)) if isinstance(a, hs.Ac) else a for a in TWO_STAGE.sim.attrs]
    slow = Bench(name="slow", sim=hs.Sim(tb=TWO_STAGE.sim.tb, attrs=dense), params=TWO_STAGE.params)  # 2 M AC points
    engine = LibngspiceEngine(run_dir=tmp_path, timeout_s=0.2)
    start = time.monotonic()
    with pytest.raises(SimulationTimeout):
        engine.run(slow, TWO_STAGE_OPAMP.initial_values())
    assert time.monotonic() - start < 2
    assert identical(
        engine.run(TWO_STAGE, TWO_STAGE_OPAMP.initial_values()),
        LibngspiceEngine(run_dir=tmp_path).run(TWO_STAGE, TWO_STAGE_OPAMP.initial_values()),
    )


def test_without_a_time_limit_results_are_the_same(engine: LibngspiceEngine, tmp_path: Path) -> None:
    unlimited = LibngspiceEngine(run_dir=tmp_path, timeout_s=None)
    values = TWO_STAGE_OPAMP.sample_values(random.Random(1))
    assert identical(unlimited.run(TWO_STAGE, values), engine.run(TWO_STAGE, values))


def test_ngspice_files_go_to_the_run_directory_not_the_working_directory(engine: LibngspiceEngine, tmp_path: Path) -> None:
    cwd = Path.cwd()
    before = set(cwd.iterdir())
    engine.run(TWO_STAGE, TWO_STAGE_OPAMP.initial_values())
    assert Path.cwd() == cwd and set(cwd.iterdir()) == before
    assert any(tmp_path.glob("*-libngspice/bsim4*.out"))


def test_concurrent_threads_are_serialized(engine: LibngspiceEngine) -> None:
    rng = random.Random(5)
    designs = [(TWO_STAGE, TWO_STAGE_OPAMP.sample_values(rng)) for _ in range(6)]
    designs += [(FOLDED, FOLDED_CASCODE.sample_values(rng)) for _ in range(6)]
    sequential = [engine.run(bench, values) for bench, values in designs]
    other_engine = LibngspiceEngine(run_dir=engine.run_dir)  # the same library underneath
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda job: (engine, other_engine)[job[0] % 2].run(*job[1]), enumerate(designs * 3)))
    assert all(identical(a, b) for a, b in zip(concurrent, sequential * 3, strict=True))
    assert threading.active_count() < 20


def test_memory_stays_flat_over_many_evaluations(engine: LibngspiceEngine, tmp_path: Path) -> None:
    rng = random.Random(11)
    designs = [TWO_STAGE_OPAMP.sample_values(rng) for _ in range(2000)]
    for values in designs[:300]:  # warm up: allocator pools, caches
        engine.run(TWO_STAGE, values)
    process = psutil.Process()
    before = process.memory_info().rss
    for values in designs[300:]:
        engine.run(TWO_STAGE, values)
    growth_per_eval = (process.memory_info().rss - before) / 1700
    assert growth_per_eval < 2048, f"{growth_per_eval:.0f} bytes per evaluation"  # undestroyed plots: ~1 MB each
    reference = NgspiceSubprocessEngine(run_dir=tmp_path / "subprocess").run(TWO_STAGE, designs[0])
    assert identical(engine.run(TWO_STAGE, designs[0]), reference)  # the command history was cleared in between


def test_the_engine_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AUTOCKT_ENGINE", "subprocess")
    monkeypatch.setenv("AUTOCKT_SIM_TIMEOUT_S", "none")
    settings = Settings.from_env()
    assert (settings.engine, settings.sim_timeout_s) == ("subprocess", None)
    choice = select_engine(settings, tmp_path, timeout_s=None)
    assert isinstance(choice.engine, NgspiceSubprocessEngine) and choice.description == "subprocess (AUTOCKT_ENGINE=subprocess)"
    monkeypatch.setenv("AUTOCKT_ENGINE", "libngspice")
    assert isinstance(select_engine(Settings.from_env(), tmp_path, timeout_s=None).engine, LibngspiceEngine)
    monkeypatch.delenv("AUTOCKT_ENGINE")
    choice = select_engine(Settings.from_env(), tmp_path, timeout_s=None)
    assert isinstance(choice.engine, LibngspiceEngine) and choice.description == "libngspice (default)"  # where it loads
    monkeypatch.setenv("AUTOCKT_ENGINE", "spectre")
    with pytest.raises(ValueError, match="AUTOCKT_ENGINE"):
        Settings.from_env()


MISSING_LIBRARY_SCRIPT = """
import dataclasses
import sys
import autockt_ckt.libngspice
autockt_ckt.libngspice.LIBRARY_NAME = "libngspice-not-installed.so.0"
from autockt_ckt.engine import NgspiceSubprocessEngine
from autockt_ckt.engine_selection import select_engine
from autockt_ckt.settings import Settings

choice = select_engine(Settings.from_env(), sys.argv[1], timeout_s=30.0)
assert isinstance(choice.engine, NgspiceSubprocessEngine)
print(choice.description)
try:
    select_engine(dataclasses.replace(Settings.from_env(), engine="libngspice"), sys.argv[1], timeout_s=30.0)
except OSError:
    print("refused")
"""


def test_without_the_library_the_default_is_the_subprocess_engine(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", MISSING_LIBRARY_SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("subprocess, because libngspice did not load")
    assert "refused" in done.stdout  # asked for by name, a missing library is an error
