"""
# Sizing one circuit for one designer's target

What a designer asks: this circuit, these specs, a sized design. `size(SizingConfig(...))`
checks the request before anything is simulated (an unknown circuit, spec or optimizer, a
missing spec or a non-finite value is refused with an `InputError` naming the field (the target's
checks are `specs.checked_target`'s, which validation's target files pass too); a
target outside the circuit's spec ranges, where its agents were trained and its optimizers
benchmarked, is a `TargetOutsideRange` warning naming the range), then runs an optimizer of
`autockt.optimizers` on the target through the configured `Simulator` (a server, or
in-process) and returns the best design found, reached or not, with each spec checked.

Whether the target is `reached` is the project's one rule (`CircuitOptimization.reached`: the
relative shortfalls sum to at most 2 %), the rule the optimizers stop by and the agents are
trained on; each `SpecCheck` also says whether its spec is `met` strictly, so that a designer
sees which spec sits inside that tolerance. `autockt.design_files.write_design` writes the
result as files (`AutoCkt/scripts/size.py` does both).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

from autockt_shared import CircuitOptimization, Sense, all_circuits, circuit_optimization

from .optimizers import OPTIMIZERS, OptimizerConfig, optimize
from .simulator import Metrics, SimulationFailure, Simulator, SimulatorConfig
from .specs import InputError, Target, checked_target

DEFAULT_OPTIMIZER = "cma_es"
"""The optimizer the methods benchmark found quickest on the two-stage op-amp, with differential evolution."""

AUTOCKT_DISTRIBUTION = "cktgym-autockt"


class UnknownCircuit(InputError):
    pass


class UnknownOptimizer(InputError):
    pass


class TargetOutsideRange(UserWarning):
    """A spec's target lies outside the range the circuit's targets are drawn from: it may be out of reach."""


@dataclasses.dataclass(frozen=True)
class SizingConfig:
    """One sizing request: `target` has one value per spec of `circuit`; the search spends at most `budget`
    simulations, `batch_size` designs per batch call, seeded by `seed`."""

    circuit: str
    target: Mapping[str, float]
    optimizer: str = DEFAULT_OPTIMIZER
    budget: int = 3000
    seed: int = 0
    batch_size: int = 16
    simulator: SimulatorConfig = SimulatorConfig()

    def optimizer_config(self) -> OptimizerConfig:
        return OptimizerConfig(budget=self.budget, batch_size=self.batch_size, seed=self.seed)


@dataclasses.dataclass(frozen=True)
class SpecCheck:
    """One spec of the design: `relative_error` is positive when better than the target, whatever the sense;
    `met` is strict (`relative_error >= 0`)."""

    name: str
    unit: str
    sense: str
    target: float
    value: float
    relative_error: float

    @property
    def met(self) -> bool:
        return self.relative_error >= 0

    def describe(self) -> str:
        relation = ">=" if self.sense == Sense.AT_LEAST.value else "<="
        verdict = "met" if self.met else f"short by {-self.relative_error:.2%}"
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.name} = {self.value:.6g}{unit} (target {relation} {self.target:.6g}{unit}): {verdict}"


@dataclasses.dataclass(frozen=True)
class SizedDesign:
    """The best design a sizing found: reached by the project's rule or, if not, the closest (highest reward).

    `simulations` counts the reset point's and the search's; `reached_at` the one (1-based, in that order)
    whose design first met the target.
    """

    circuit: str
    target: Target
    reached: bool
    values: dict[str, float]
    metrics: Metrics
    specs: tuple[SpecCheck, ...]
    simulations: int
    failed_simulations: int
    reached_at: int | None
    method: dict[str, Any]
    """The optimizer's name, settings and the `autockt` version that ran it."""
    simulator: str
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "specs": [{**dataclasses.asdict(s), "met": s.met} for s in self.specs]}


def check_request(config: SizingConfig) -> tuple[str, ...]:
    """Refuse a request that cannot be sized (`InputError`); the warnings for targets outside the circuit's ranges."""
    try:
        optimization = circuit_optimization(config.circuit)
    except KeyError:
        raise UnknownCircuit("circuit", f"no circuit named {config.circuit!r}; known: {', '.join(sorted(all_circuits()))}") from None
    target = checked_target(optimization, config.target)
    if config.optimizer not in OPTIMIZERS:
        raise UnknownOptimizer("optimizer", f"no optimizer named {config.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    for field, value in (("budget", config.budget), ("batch_size", config.batch_size)):
        if value < 1:
            raise InputError(field, f"must be at least 1, got {value}")
    return tuple(
        f"target.{m.name} = {target[m.name]:g} lies outside {config.circuit}'s range of {m.name} targets "
        f"[{m.range.lo:g}, {m.range.hi:g}] {m.unit}".rstrip()
        for m in optimization.metrics
        if target[m.name] not in m.range
    )


def size(config: SizingConfig) -> SizedDesign:
    """The best design found for `config.target` within `config.budget` simulations (module docstring).

    The reset point is simulated first: it checks the simulator (a server that does not answer ends the
    sizing here, with a `SimulationFailure`, rather than failing every design of the search) and may
    already meet the target. Then `config.optimizer` searches with the rest of the budget. Raises
    `InputError` before simulating anything.
    """
    notes = check_request(config)
    for note in notes:
        warnings.warn(note, TargetOutsideRange, stacklevel=2)
    optimization = circuit_optimization(config.circuit)
    target = checked_target(optimization, config.target)
    start = optimization.initial_values()
    settings = dataclasses.replace(config.optimizer_config(), budget=max(config.budget - 1, 1))
    simulator = Simulator(optimization, config.simulator)
    try:
        start_metrics = _simulate_start(simulator, start)
        search = None
        if not optimization.reached(start_metrics, target) and config.budget > 1:
            search = optimize(config.optimizer, optimization, target, simulator, settings)
    finally:
        simulator.close()
    values, metrics = start, start_metrics
    if search is not None and search.best_design is not None and search.best_metrics is not None:
        if search.best_score >= optimization.score(start_metrics, target):
            values, metrics = search.best_design, search.best_metrics
    if search is None:
        reached_at = 1 if optimization.reached(start_metrics, target) else None
    else:
        reached_at = None if search.reached_at is None else 1 + search.reached_at
    return SizedDesign(
        circuit=config.circuit,
        target=target,
        reached=reached_at is not None,
        values=values,
        metrics=metrics,
        specs=spec_checks(optimization, metrics, target),
        simulations=1 + (search.simulations if search else 0),
        failed_simulations=search.failed_simulations if search else 0,
        reached_at=reached_at,
        method={"optimizer": config.optimizer, "settings": dataclasses.asdict(settings), "autockt_version": version(AUTOCKT_DISTRIBUTION)},
        simulator=config.simulator.describe(),
        warnings=notes,
    )


def _simulate_start(simulator: Simulator, start: Mapping[str, float]) -> Metrics:
    try:
        return simulator.metrics(start)
    except SimulationFailure as err:
        raise SimulationFailure(
            f"{err}; start the circuit server (python AutoCkt/scripts/start_server.py), point THE_SERVER_URL (.env) "
            "or --server-url at it, or simulate in-process (--in-process)"
        ) from err


def spec_checks(optimization: CircuitOptimization[Any, Any], metrics: Metrics, target: Target) -> tuple[SpecCheck, ...]:
    return tuple(
        SpecCheck(
            name=m.name,
            unit=m.unit,
            sense=m.sense.value,
            target=target[m.name],
            value=metrics[m.name],
            relative_error=m.error(metrics[m.name], target[m.name]),
        )
        for m in optimization.metrics
    )
