"""
# One process's simulator: its engine, its benches, its run directory

Every process that simulates holds one `Simulator`: each worker of a server's pool
(`pool.py`), and, without a server, the process that calls the Rpcs in-process
(`handlers.py`); `served.served_simulator` builds it with every served circuit's benches. A job
is a picklable function whose first parameter is the `Simulator`, such as a served circuit's
`evaluate`: the pool sends the function and its arguments to a worker and sends back only what
it returns (an `OpAmpOutput`: four floats, not the sweep).

This module knows no circuit: the circuits' `evaluate` functions take a `Simulator`, so the
dependency points from them (and `served.py`) to here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .engine import Bench, Engine, SimResult
from .engine_selection import select_engine
from .settings import Settings


@dataclass
class Simulator:
    """What a job sees: the settings, the engine, the benches by name, and a directory of this
    process's own for any files a job writes (nothing else simulates there)."""

    settings: Settings
    engine: Engine
    engine_description: str
    benches: Mapping[str, Bench]
    run_dir: Path

    @classmethod
    def create(cls, settings: Settings, run_dir: Path, benches: Mapping[str, Bench], *, timeout_s: float | None) -> Simulator:
        """A simulator of `benches` with the engine `settings` choose, each run limited to `timeout_s` by
        the engine itself (None: the caller enforces the limit, as the pool does by killing its worker)."""
        run_dir.mkdir(parents=True, exist_ok=True)
        engine, description = select_engine(settings, run_dir, timeout_s=timeout_s)
        return cls(settings=settings, engine=engine, engine_description=description, benches=benches, run_dir=run_dir)

    def run(self, bench: str, values: Mapping[str, float]) -> SimResult:
        """Simulate the bench named `bench` with its parameters set to `values`."""
        return self.engine.run(self.benches[bench], values)
