"""
# What the server knows of a circuit: its optimization problem, its benches, its evaluation

A `ServedCircuit` joins a circuit's shared `CircuitOptimization` (wire types and `Rpc`, in
`autockt_shared.circuits`) to how the server simulates it. Each module of
`autockt_ckt.circuits` constructs one, which registers it; `served_circuits()` imports them
all. Every process that simulates holds a `served_simulator` (the benches of every circuit it
can simulate, netlisted once) and warms it (`warm`); the handlers attach each one's `answer` to
its `Rpc`. So a new circuit is its two modules and nothing else.

A call is one pool job (`evaluate`), or several independent ones that the circuit hands out
itself (`serve`, given a `JobRunner`): a design at a corner set runs a job per process section's
run of corners, so that the corners of one call, and of many calls at once, spread over every worker. A circuit of an
open PDK names it (`pdk`): a server started for another PDK neither loads its benches nor
simulates it (its result cache's namespace is the other PDK's model files), and its calls answer
404 `not_found` naming the flag to start one that does (`handlers.py`). In-process (no server), a circuit
simulates with its own PDK whatever `AUTOCKT_PDK` says. The 45 nm circuits name none: their
card (`AUTOCKT_MODEL_PATH`) goes with every server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from autockt_shared.design_waveforms import CornerWaveforms
from autockt_shared.optimization import CircuitOptimization

from .engine import Bench
from .settings import Settings
from .simulator import Simulator

In = TypeVar("In")
Out = TypeVar("Out")

_SERVED: dict[str, ServedCircuit[Any, Any]] = {}

JobRunner = Callable[..., Awaitable[Any]]
"""`await run(job, *args, affinity=None)`: `job(simulator, *args)` where this process simulates (a
pool's `run`, or `in_process`): a module-level function, so that it pickles into a worker.
`affinity` names the bench the job leaves loaded, for a pool to keep such jobs on one worker."""


def in_process(simulator: Simulator) -> JobRunner:
    """A `JobRunner` that runs each job on `simulator`, in the calling thread (one simulator: no affinity to keep)."""

    async def run(job: Callable[..., Any], *args: Any, affinity: Hashable | None = None) -> Any:
        return job(simulator, *args)

    return run


@dataclasses.dataclass(frozen=True, eq=False)
class ServedCircuit(Generic[In, Out]):
    """One circuit as the server simulates it.

    `benches(settings)` builds the circuit's `Bench`es (each name unique across circuits);
    every simulating process that can simulate it calls it once. Give one of:
    - `evaluate(simulator, input)`: the one job a pool worker runs for a call: it may run its
      benches several times (`simulator.run(name, values)`) and returns the Rpc's output, only
      the metrics, never the waveforms;
    - `serve(run, input)`: a call of several independent jobs, each sent with `run`, awaited
      together (asyncio) so that they run in parallel on a pool.
    Jobs are module-level functions, so that they pickle by reference into the worker. `pdk`:
    the PDK the circuit's benches load (None: the 45 nm card, on every server). `waveforms(run,
    input)`: the design's waveforms by corner, its jobs sent with `run` as `serve`'s are, for the
    Rpc `design_waveforms` (`traces.py` turns results into its traces; None: the circuit has none).
    """

    optimization: CircuitOptimization[In, Out]
    benches: Callable[[Settings], Sequence[Bench]]
    evaluate: Callable[[Simulator, In], Out] | None = None
    serve: Callable[[JobRunner, In], Awaitable[Out]] | None = None
    pdk: str | None = None
    waveforms: Callable[[JobRunner, In], Awaitable[dict[str, CornerWaveforms]]] | None = None
    warm_up: Callable[[Simulator], None] | None = None
    """What a starting worker runs so that no caller pays a first run (`warm`); None: one call at the reset point."""

    def __post_init__(self) -> None:
        if (self.evaluate is None) == (self.serve is None):
            raise ValueError(f"circuit {self.name!r}: give either evaluate (one job per call) or serve (several), not both or neither")
        if self.name in _SERVED:
            raise ValueError(f"circuit {self.name!r} is served twice: by {_SERVED[self.name].module} and {self.module}")
        _SERVED[self.name] = self

    @property
    def name(self) -> str:
        return self.optimization.name

    @property
    def module(self) -> str:
        """The module that serves it."""
        return (self.evaluate or self.serve).__module__  # one of them is set (__post_init__)

    def simulates_on(self, pdk: str) -> bool:
        """Whether a server started for `pdk` simulates this circuit."""
        return self.pdk is None or self.pdk == pdk

    async def answer(self, run: JobRunner, inp: In) -> Out:
        """The Rpc's output for `inp`, its jobs run with `run` (a server's pool, or in-process)."""
        if self.serve is not None:
            return await self.serve(run, inp)
        return await run(self.evaluate, inp)


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
    """This process's simulator: the benches of every served circuit of `settings.pdk` (`Simulator.create`
    for the rest), so that any circuit's job runs in any worker."""
    benches: dict[str, Bench] = {}
    for circuit in served_circuits().values():
        if not circuit.simulates_on(settings.pdk):
            continue
        for bench in circuit.benches(settings):
            if bench.name in benches:
                raise ValueError(f"two benches are named {bench.name!r}: give circuit {circuit.name!r}'s another name")
            benches[bench.name] = bench
    return Simulator.create(settings, run_dir, benches, timeout_s=timeout_s)


def warm(simulator: Simulator) -> None:
    """Netlist and load every bench and evaluate each circuit once at its reset point, so that no caller
    pays for the first run (Hdl21 elaboration and netlisting, ngspice parsing the model card: about half a
    second). A circuit at corner sets gives its own `warm_up`: one corner per process section loads
    every section's models, where a call at its 17 corners would simulate each section 2-4 times over."""
    pdk = simulator.settings.pdk
    for circuit in served_circuits().values():
        if not circuit.simulates_on(pdk):
            continue
        if circuit.warm_up is not None:
            circuit.warm_up(simulator)
        else:
            asyncio.run(circuit.answer(in_process(simulator), circuit.optimization.initial_input()))
