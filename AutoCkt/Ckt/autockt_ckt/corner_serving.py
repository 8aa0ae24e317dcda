"""
# A circuit served at its PDK's corner sets: a job per section's run of corners, skip-on-fail, the worst case

A circuit sized for its worst case over PVT corners (PPAAS's) is, to the server, a bench per
process section and the metrics of one corner's results. Everything else is the same for every
such circuit, so it is here once: the design at one corner, at a whole corner set in this
process (tests, benchmarks), a served call as one pool job per run of a process section's corners,
awaited together (so that the runs of one call, and of every call at once, spread over the
workers, and a worker reloads models once per run, not per corner; skip-on-fail, the runs and the
worst case are `corner_evaluation`'s), the count of simulations, and the benches a worker
loads. A circuit's module builds a `CornerCircuit` and serves it (`served()`). A circuit that picks
traces from a corner's results (`traces`) has waveforms too (`design_waveforms`): a pool job per
corner of the set, each the very run its metrics come from.

Constructing a `CornerCircuit` registers it by its optimization's name, and it pickles as that
name: a run's job (`at_corners`) carries it into a worker, whose import of every circuit
module (`served.served_circuits`) registered it there too.

A circuit's bench of one process section is `section_bench`'s: the section's models and the
PDK's parsing mode, the design's parameters, and the corner's conditions as the run-time
parameters `supply` (volts) and `temp_c` (degrees C, ngspice's `temp` at every run), which
`run_at` sets; the testbench refers to `supply` in its sources' expressions.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import hdl21 as h
import hdl21.sim as hs

from autockt_shared.design_waveforms import CornerWaveforms, FrequencyResponse, Transient
from autockt_shared.optimization import CircuitOptimization, Sense

from .bench_simulation import bench_sim
from .corner_evaluation import CORNER_SIMULATIONS, CornerEvaluation, evaluate_corners
from .engine import Bench, Engine, SimResult
from .pdks import Corner, Pdk, ProcessCorner, pdk
from .served import JobRunner, ServedCircuit
from .settings import Settings
from .simulator import Simulator

M = TypeVar("M")

SUPPLY, TEMPERATURE = "supply", "temp_c"
"""The run-time parameters of a section's bench that a corner sets (`section_bench`)."""
NOMINAL_TEMP_C = 27.0
"""The temperature a section's bench declares until a run sets its corner's."""

_CIRCUITS: dict[str, CornerCircuit[Any]] = {}


@dataclasses.dataclass(frozen=True, eq=False)
class CornerCircuit(Generic[M]):
    """A circuit evaluated per corner: `bench(kit, process)` is the netlist of one process section,
    its params the optimization's, `supply` and `temp_c` (so that every corner of a section is the
    same netlist, no reload); `metrics(result, corner)` its `metrics_type` at that corner. The
    optimization's input has options `corner_set` and `target`, its output fields `corners`,
    `worst`, `skipped` and `simulations` (`autockt_shared.circuits.ppaas_tsa`'s pattern). `vdd`:
    the supply the corner sets are built at (None: the PDK's nominal). `traces(result)`: the AC
    responses and transients a designer reads in one corner's results (`traces.py`); None: no waveforms."""

    optimization: CircuitOptimization[Any, Any]
    metrics_type: Callable[..., M]
    bench: Callable[[Pdk, ProcessCorner], Bench]
    metrics: Callable[[SimResult, Corner], M]
    pdk: str
    vdd: float | None = None
    traces: Callable[[SimResult], tuple[list[FrequencyResponse], list[Transient]]] | None = None

    def __post_init__(self) -> None:
        if self.name in _CIRCUITS:
            raise ValueError(f"a circuit served at corners named {self.name!r} already exists")
        _CIRCUITS[self.name] = self

    def __reduce__(self) -> tuple[Callable[[str], CornerCircuit[Any]], tuple[str]]:
        return corner_circuit, (self.name,)

    @property
    def name(self) -> str:
        return self.optimization.name

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.optimization.params)

    @property
    def senses(self) -> dict[str, Sense]:
        return {spec.name: spec.sense for spec in self.optimization.metrics}

    def corners(self, name: str) -> tuple[Corner, ...]:
        """The PDK's corner set `name` at the circuit's supply."""
        return pdk(self.pdk).corner_set(name, self.vdd)

    def bench_key(self, process: ProcessCorner) -> tuple[str, str]:
        """The pool affinity of a job at `process`: the bench it leaves loaded in its worker."""
        return (self.name, process.section)

    def run_at(self, engine: Engine, corner: Corner, values: Mapping[str, float]) -> SimResult:
        """The results at `corner` of the design `values` (the optimization's units)."""
        conditions = {SUPPLY: corner.vdd, TEMPERATURE: corner.temp_c}
        return engine.run(self.bench(pdk(self.pdk), corner.process), {**values, **conditions})

    def evaluate_at(self, engine: Engine, corner: Corner, values: Mapping[str, float]) -> M:
        """The metrics at `corner` of the design `values` (the optimization's units)."""
        return self.metrics(self.run_at(engine, corner, values), corner)

    def evaluate_corner_set(
        self, engine: Engine, corners: Sequence[Corner], values: Mapping[str, float], target: Mapping[str, float] | None = None
    ) -> CornerEvaluation:
        """The design `values` at each of `corners` in turn, in this process, and its worst case
        per spec; with a `target`, skip-on-fail (`corner_evaluation`)."""

        async def at(run: tuple[Corner, ...]) -> list[dict[str, float]]:
            return self.evaluate_run(engine, run, values)

        return asyncio.run(evaluate_corners(at, corners, self.senses, target))

    def evaluate_run(self, engine: Engine, run: Sequence[Corner], values: Mapping[str, float]) -> list[dict[str, float]]:
        """The metrics (plain floats) at each of `run`'s corners in turn, one section's: one model load."""
        return [dataclasses.asdict(self.evaluate_at(engine, corner, values)) for corner in run]  # type: ignore[call-overload]

    async def serve(self, run: JobRunner, inp: Any) -> Any:
        """A call: each run of a section's corners its own job (`at_corners`), awaited together; the
        corner set is resolved here, where the PDK is."""
        values = {name: getattr(inp, name) for name in self.params}
        target = None if inp.target is None else dataclasses.asdict(inp.target)

        async def at(corners: tuple[Corner, ...]) -> list[dict[str, float]]:
            return await run(at_corners, self, values, corners, affinity=self.bench_key(corners[0].process))

        result = await evaluate_corners(at, self.corners(inp.corner_set), self.senses, target)
        CORNER_SIMULATIONS.labels(self.name).inc(result.simulations)
        return self.optimization.output_type(
            corners={name: self.metrics_type(**metrics) for name, metrics in result.per_corner.items()},
            worst=self.metrics_type(**result.worst),
            skipped=result.skipped,
            simulations=result.simulations,
        )

    async def waveforms(self, run: JobRunner, inp: Any) -> dict[str, CornerWaveforms]:
        """`design_waveforms`: each corner of the input's set its own job (`waveforms_at_corner`), awaited together."""
        values = {name: getattr(inp, name) for name in self.params}
        corners = self.corners(inp.corner_set)
        answers = await asyncio.gather(
            *(run(waveforms_at_corner, self, values, corner, affinity=self.bench_key(corner.process)) for corner in corners)
        )
        return {corner.name: answer for corner, answer in zip(corners, answers, strict=True)}

    def benches(self, settings: Settings) -> list[Bench]:
        """One bench per process section: each corner's job finds its section's loaded."""
        kit = pdk(self.pdk)
        return [self.bench(kit, process) for process in kit.processes]

    def warm_up(self, simulator: Simulator) -> None:
        """The reset point at the first corner of each process section of the default corner set:
        every section's models loaded and run once (`served.warm`), at a third of the set's cost."""
        values = self.optimization.initial_values()
        first_of_section: dict[str, Corner] = {}
        for corner in self.corners(self.optimization.initial_input().corner_set):
            first_of_section.setdefault(corner.process.section, corner)
        for corner in first_of_section.values():
            self.evaluate_at(simulator.engine, corner, values)

    def served(self) -> ServedCircuit[Any, Any]:
        """The circuit as the server knows it (constructing it registers it)."""
        return ServedCircuit(
            optimization=self.optimization,
            benches=self.benches,
            serve=self.serve,
            pdk=self.pdk,
            waveforms=None if self.traces is None else self.waveforms,
            warm_up=self.warm_up,
        )


def section_bench(
    name: str, tb: h.Module, kit: Pdk, process: ProcessCorner, design: Mapping[str, float], supply: float, analyses: Sequence[hs.SimAttr]
) -> Bench:
    """The bench `name` of testbench `tb` at every corner of `process`: its models, the design's
    parameters (`design`, with their placeholder values), `supply` and `temp_c` (placeholders:
    the circuit's supply and 27 C; `run_at` sets each corner's), then `analyses`; parsed in the
    PDK's mode. One netlist for all of a section's corners: moving between them needs no reload."""
    params = {**design, SUPPLY: supply, TEMPERATURE: NOMINAL_TEMP_C}
    sim = bench_sim(tb, kit.models(process), params, analyses)
    return Bench(name=name, sim=sim, params=tuple(params), ngbehavior=kit.ngbehavior, temperature=TEMPERATURE)


def corner_circuit(name: str) -> CornerCircuit[Any]:
    """The `CornerCircuit` named `name` (how one unpickles in a worker)."""
    return _CIRCUITS[name]


def at_corners(sim: Simulator, circuit: CornerCircuit[Any], values: Mapping[str, float], run: tuple[Corner, ...]) -> list[dict[str, float]]:
    """A pool job: the design at a run of one section's corners (plain floats: the cheapest reply to pickle)."""
    return circuit.evaluate_run(sim.engine, run, values)


def waveforms_at_corner(sim: Simulator, circuit: CornerCircuit[Any], values: Mapping[str, float], corner: Corner) -> CornerWaveforms:
    """A pool job: the design's traces at one corner (`CornerCircuit.traces`) and the metrics of the same run."""
    assert circuit.traces is not None  # only a circuit with traces serves waveforms (`served`)
    result = circuit.run_at(sim.engine, corner, values)
    ac, transients = circuit.traces(result)
    metrics = circuit.metrics(result, corner)
    return CornerWaveforms(
        ac=ac, transients=transients, metrics={m.name: float(getattr(metrics, m.name)) for m in circuit.optimization.metrics}
    )
