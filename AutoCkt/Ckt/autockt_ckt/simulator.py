"""
# One process's simulator: its engine, its warm benches, its run directory

Every process that simulates holds one `Simulator`: each worker of a server's pool
(`pool.py`), and, without a server, the process that calls the Rpcs in-process
(`handlers.py`). A job is a picklable function whose first parameter is the `Simulator`, such
as a served circuit's `evaluate`: the pool sends the function and its arguments to a worker
and sends back only what it returns (an `OpAmpOutput`: four floats, not the sweep).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .engine import Bench, Engine, SimResult
from .engine_selection import select_engine
from .served import served_circuits
from .settings import Settings


@dataclass
class Simulator:
    """What a job sees: the settings, the engine, every served circuit's benches by name, and a
    directory of this process's own for any files a job writes (nothing else simulates there)."""

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
        benches: dict[str, Bench] = {}
        for circuit in served_circuits().values():
            for bench in circuit.benches(settings):
                if bench.name in benches:
                    raise ValueError(f"two benches are named {bench.name!r}: give circuit {circuit.name!r}'s another name")
                benches[bench.name] = bench
        return cls(settings=settings, engine=engine, engine_description=description, benches=benches, run_dir=run_dir)

    def run(self, bench: str, values: Mapping[str, float]) -> SimResult:
        """Simulate the bench named `bench` with its parameters set to `values`."""
        return self.engine.run(self.benches[bench], values)

    def warm(self) -> None:
        """Netlist and load every bench and evaluate each circuit once at its reset point, so that
        no caller pays for the first run (Hdl21 elaboration and netlisting, ngspice parsing the
        model card: about half a second)."""
        for circuit in served_circuits().values():
            circuit.evaluate(self, circuit.optimization.initial_input())
