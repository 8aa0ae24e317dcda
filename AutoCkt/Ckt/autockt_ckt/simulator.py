"""
# One process's simulator: its engine, its warm benches, its run directory

Every process that simulates holds one `Simulator`: each worker of a server's pool
(`pool.py`), and, without a server, the process that calls the Rpcs in-process
(`handlers.py`). A job is a picklable function whose first parameter is the `Simulator`, such
as `simulate_opamp`: the pool sends the function and its arguments to a worker and sends
back only what it returns (an `OpAmpOutput` here: four floats, not the sweep).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from autockt_shared import FOLDED_CASCODE, TWO_STAGE_OPAMP, OpAmpOutput
from autockt_shared.optimization import CircuitOptimization

from .engine import Bench, Engine
from .engine_selection import select_engine
from .folded_cascode import folded_cascode_bench
from .metrics import opamp_metrics
from .opamp_testbench import OUTPUT_NODE, SUPPLY_SOURCE
from .settings import Settings
from .two_stage_opamp import two_stage_bench

TWO_STAGE = "two_stage_opamp"
"""Bench names (`Bench.name`), as jobs name the bench they run."""
FOLDED = "folded_cascode"


@dataclass
class Simulator:
    """What a job sees: the settings, the engine, every AutoCkt bench, and a directory of
    this process's own for any files a job writes (nothing else simulates there)."""

    settings: Settings
    engine: Engine
    engine_description: str
    benches: Mapping[str, Bench]
    run_dir: Path

    @classmethod
    def create(cls, settings: Settings, run_dir: Path, *, timeout_s: float | None) -> Simulator:
        """A simulator with the engine `settings` choose, each run limited to `timeout_s` by the
        engine itself (None: the caller enforces the limit, as the pool does by killing its worker)."""
        run_dir.mkdir(parents=True, exist_ok=True)
        engine, description = select_engine(settings, run_dir, timeout_s=timeout_s)
        benches = {bench.name: bench for bench in (two_stage_bench(settings), folded_cascode_bench(settings))}
        return cls(settings=settings, engine=engine, engine_description=description, benches=benches, run_dir=run_dir)

    def warm(self) -> None:
        """Netlist and load every bench and run it once, so that no caller pays for the first run
        (Hdl21 elaboration and netlisting, ngspice parsing the model card: about half a second)."""
        for name, circuit in _CIRCUITS.items():
            self.engine.run(self.benches[name], circuit.initial_values())


_CIRCUITS: dict[str, CircuitOptimization] = {TWO_STAGE: TWO_STAGE_OPAMP, FOLDED: FOLDED_CASCODE}


def simulate_opamp(sim: Simulator, bench: str, values: Mapping[str, float]) -> OpAmpOutput:
    """The job of both op-amp Rpcs: run bench `bench` with `values` as its parameters and
    extract the metrics where the sweep is (a worker returns only the metrics)."""
    return opamp_metrics(sim.engine.run(sim.benches[bench], values), OUTPUT_NODE, SUPPLY_SOURCE)
