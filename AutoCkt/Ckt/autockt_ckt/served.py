"""
# What the server knows of a circuit: its optimization problem, its benches, its evaluation

A `ServedCircuit` joins a circuit's shared `CircuitOptimization` (wire types and `Rpc`, in
`autockt_shared.circuits`) to how the server simulates it. Each module of
`autockt_ckt.circuits` constructs one, which registers it; `served_circuits()` imports them
all. Every process that simulates holds a `served_simulator` (every served circuit's benches,
netlisted once) and warms it (`warm`); the handlers attach each one's `evaluate` to its `Rpc`.
So a new circuit is its two modules and nothing else.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from autockt_shared.optimization import CircuitOptimization

from .engine import Bench
from .settings import Settings
from .simulator import Simulator

In = TypeVar("In")
Out = TypeVar("Out")

_SERVED: dict[str, ServedCircuit[Any, Any]] = {}


@dataclasses.dataclass(frozen=True, eq=False)
class ServedCircuit(Generic[In, Out]):
    """One circuit as the server simulates it.

    `benches(settings)` builds the circuit's `Bench`es (each name unique across circuits);
    every simulating process calls it once. `evaluate(simulator, input)` is the job a pool
    worker runs for one call: it may run its benches several times (`simulator.run(name,
    values)`) and returns the Rpc's output, only the metrics, never the waveforms. It must be a
    module-level function, so that it pickles by reference into the worker.
    """

    optimization: CircuitOptimization[In, Out]
    benches: Callable[[Settings], Sequence[Bench]]
    evaluate: Callable[[Simulator, In], Out]

    def __post_init__(self) -> None:
        if self.name in _SERVED:
            raise ValueError(
                f"circuit {self.name!r} is served twice: by {_SERVED[self.name].evaluate.__module__} and {self.evaluate.__module__}"
            )
        _SERVED[self.name] = self

    @property
    def name(self) -> str:
        return self.optimization.name


def circuit_modules() -> list[str]:
    """The modules of `autockt_ckt.circuits` that each serve a circuit, found without importing them."""
    from . import circuits

    # a name starting with "_": a private helper of several circuits, or a circuit being written
    return [f"{circuits.__name__}.{module.name}" for module in pkgutil.iter_modules(circuits.__path__) if not module.name.startswith("_")]


def served_circuits() -> dict[str, ServedCircuit[Any, Any]]:
    """Every circuit this server simulates, by name, after importing each of `circuit_modules()`."""
    for name in circuit_modules():
        importlib.import_module(name)
    return dict(sorted(_SERVED.items()))


def served_simulator(settings: Settings, run_dir: Path, *, timeout_s: float | None) -> Simulator:
    """This process's simulator: every served circuit's benches (`Simulator.create` for the rest), so that
    any circuit's job runs in any worker."""
    benches: dict[str, Bench] = {}
    for circuit in served_circuits().values():
        for bench in circuit.benches(settings):
            if bench.name in benches:
                raise ValueError(f"two benches are named {bench.name!r}: give circuit {circuit.name!r}'s another name")
            benches[bench.name] = bench
    return Simulator.create(settings, run_dir, benches, timeout_s=timeout_s)


def warm(simulator: Simulator) -> None:
    """Netlist and load every bench and evaluate each circuit once at its reset point, so that no caller
    pays for the first run (Hdl21 elaboration and netlisting, ngspice parsing the model card: about half a
    second)."""
    for circuit in served_circuits().values():
        circuit.evaluate(simulator, circuit.optimization.initial_input())
