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

With an `agent` (a checkpoint of `autockt.train` for the circuit, or a shipped policy), the trained policy sizes
instead, as `deployment.deploy` gives it a target: a greedy episode from the reset point, then
sampled ones within the budget, its answer the design its reaching episode ended on, else the
closest any episode simulated. That is AutoCkt's promise, a few simulations per target once
trained. If it misses and an `optimizer` is also given, the optimizer continues from the agent's
design with what is left of the budget. Given no `agent`, the circuit's shipped policy
(shipped_policy.py) is the agent when the package has one and the budget leaves room for its
greedy episode, followed by the optimizer (`shipped_agent=False` sizes with the optimizer alone);
a shipped policy its circuit has outgrown is refused, naming the command that rebuilds it.

Whether the target is `reached` is the project's one rule (`CircuitOptimization.reached`: the
relative shortfalls sum to at most 2 %), the rule the optimizers stop by and the agents are
trained on; each `SpecCheck` also says whether its spec is `met` strictly, so that a designer
sees which spec sits inside that tolerance. `autockt.design_files.write_design` writes the
result as files (`AutoCkt/scripts/size.py` does both).

A PVT circuit is sized at a corner set (`corner_set`, default its Rpc's; refused naming the field
for a set it does not have, or for a nominal circuit: `corners.py`) for the worst case over it,
which is what its answers' metrics are, and its budget counts corner simulations (a design that
skip-on-fail stopped at the typical corner costs one, a full one the set's size). The design found
is then evaluated once more, so that the result holds its metrics and each spec's margin at every
corner of the set (`SizedDesign.corners`).
An agent sizes at the set it was trained at (its run's `corner_set`, env.py); another set is refused,
naming the field.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import torch

from autockt_shared import CircuitOptimization, Sense, all_circuits, circuit_optimization

from .checkpoints import Agent, open_agent
from .corners import CornerFigures, checked_corner_set, corner_figures, corner_options
from .deployment import Deployment, deploy
from .optimizers import OPTIMIZERS, OptimizerConfig, SizingResult, optimize
from .shipped_policy import PolicyCard, card_path, is_shipped_policy, shipped_policy_path
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
    simulations (an agent's last episode may run past it by part of an episode), `batch_size` designs per
    batch call, seeded by `seed`. `agent` sizes first when given; `optimizer` searches (after the agent, if
    it missed), `None` for the agent alone; with no `agent`, the circuit's shipped policy is the agent if there
    is one and `shipped_agent` is on (`resolved()`). `agent_budget` caps the agent's simulations; by default it may spend
    the whole budget when it sizes alone, and plays its greedy episode only when an optimizer follows it (its
    sampled retries would otherwise leave the optimizer nothing)."""

    circuit: str
    target: Mapping[str, float]
    optimizer: str | None = DEFAULT_OPTIMIZER
    agent: Path | None = None
    agent_budget: int | None = None
    shipped_agent: bool = True
    budget: int = 3000
    seed: int = 0
    batch_size: int = 16
    simulator: SimulatorConfig = SimulatorConfig()
    corner_set: str | None = None
    """A PVT circuit's corners to size for the worst case over (default: its Rpc's default set); None for a nominal circuit."""

    def optimizer_config(self) -> OptimizerConfig:
        return OptimizerConfig(budget=self.budget, batch_size=self.batch_size, seed=self.seed)

    def resolved(self) -> SizingConfig:
        """This request with its agent: the one given, else the circuit's shipped policy if `shipped_agent`, the package
        has one and its greedy episode fits in the budget after the reset point (a default never spends past it)."""
        shipped = None if self.agent is not None or not self.shipped_agent else shipped_policy_path(self.circuit)
        if shipped is None or PolicyCard.read(card_path(shipped)).run_record().horizon >= self.budget:
            return self
        return dataclasses.replace(self, agent=shipped)

    def agent_share(self) -> int:
        """The most simulations the agent may start spending (its last episode may run past them)."""
        if self.agent_budget is not None:
            return self.agent_budget
        return 1 if self.optimizer is not None else self.budget  # 1: the greedy episode alone

    def describe_method(self) -> str:
        """`cma_es`, `agent CHECKPOINT` or `agent CHECKPOINT, then cma_es`: what sizes, for a one-line report."""
        if self.agent is None:
            return str(self.optimizer)
        return f"agent {self.agent}" + (f", then {self.optimizer}" if self.optimizer else "")


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

    `simulations` counts the reset point's, the agent's and the search's, a PVT design's one per corner
    simulated, as the budget does; `reached_at` the simulations spent when the design that first met the
    target had been simulated (its own included).
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
    """What sized it: the agent (its checkpoint or shipped policy, simulations, episodes, whether it reached), the optimizer's name
    and settings (`None` for the agent alone), and the `autockt` version that ran them."""
    simulator: str
    warnings: tuple[str, ...]
    trajectory: tuple[tuple[int, float], ...] = ()
    """The best reward so far against simulations spent: (simulation, reward) at the reset point, wherever the
    agent or the optimizer improved on it, and at the last simulation (a step curve, as `report.py` draws it)."""

    corner_set: str | None = None
    """The corner set a PVT circuit was sized at (`metrics` are the worst case over it); None: nominal."""
    corners: tuple[CornerFigures, ...] = ()
    """The design at each corner of `corner_set` (one more evaluation of it, after the search)."""
    simulations_run: int = 0
    """The simulations the answers say ran, the agent's episodes' included: a PVT design's counts one per corner simulated."""

    def to_json(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "specs": [{**dataclasses.asdict(s), "met": s.met} for s in self.specs],
            "corners": [corner.to_json() for corner in self.corners],
        }


def check_request(config: SizingConfig) -> tuple[str, ...]:
    """Refuse a request that cannot be sized (`InputError`); the warnings for targets outside the circuit's ranges."""
    config = config.resolved()
    try:
        optimization = circuit_optimization(config.circuit)
    except KeyError:
        raise UnknownCircuit("circuit", f"no circuit named {config.circuit!r}; known: {', '.join(sorted(all_circuits()))}") from None
    target = checked_target(optimization, config.target)
    if config.optimizer is None and config.agent is None:
        raise InputError("optimizer", "nothing to size with: give an optimizer, an agent or both")
    corner_set = checked_corner_set(optimization, config.corner_set)
    if config.optimizer is not None and config.optimizer not in OPTIMIZERS:
        raise UnknownOptimizer("optimizer", f"no optimizer named {config.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    for field, value in (
        ("budget", config.budget),
        ("batch_size", config.batch_size),
        ("agent_budget", 1 if config.agent_budget is None else config.agent_budget),
    ):
        if value < 1:
            raise InputError(field, f"must be at least 1, got {value}")
    if config.agent_budget is not None and config.agent is None:
        raise InputError("agent_budget", "an agent's share of the budget, but no agent is given")
    if config.agent is not None:
        trained_at = checked_corner_set(optimization, sizing_agent(config.agent, config.circuit).record.corner_set)
        if corner_set != trained_at:
            raise InputError("corner_set", f"an agent sizes at the corner set it was trained at ({trained_at}), not {corner_set}")
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
    already meet the target. Then `config.agent` sizes, and `config.optimizer` searches with the rest of
    the budget if the target is still missed, starting from the best design so far. Raises `InputError`
    before simulating anything.
    """
    config = config.resolved()
    notes = check_request(config)
    for note in notes:
        warnings.warn(note, TargetOutsideRange, stacklevel=2)
    optimization = circuit_optimization(config.circuit)
    target = checked_target(optimization, config.target)
    values = optimization.initial_values()
    checkpoint = agent = search = None
    corner_set = checked_corner_set(optimization, config.corner_set)
    simulator = Simulator(optimization, config.simulator, corner_options(corner_set))
    corners: tuple[CornerFigures, ...] = ()
    try:
        start = _simulate_start(simulator, values)
        metrics = optimization.metric_values(start)
        spent = optimization.evaluation(start).simulations  # a PVT circuit's reset point, at every corner of its set
        reached_at = spent if optimization.reached(metrics, target) else None
        trajectory = [(spent, optimization.score(metrics, target))]
        if config.agent is not None:
            trained = sizing_agent(config.agent, config.circuit)
            checkpoint, env_config = trained.path, trained.env_config(config.simulator)
        if checkpoint is not None and reached_at is None and spent < config.budget:
            torch.set_num_threads(1)  # acting is one small forward pass a step: threads only contend with the simulator
            (agent,) = deploy(trained.policy(), env_config, [target], min(config.agent_share(), config.budget - spent), config.seed)
            if agent.reached_at is not None:
                reached_at = spent + agent.reached_at
            if agent.design is not None and agent.metrics is not None:
                if optimization.score(agent.metrics, target) >= optimization.score(metrics, target):
                    values, metrics = agent.design, agent.metrics
            spent += agent.simulations
            _improved(trajectory, spent, optimization.score(metrics, target))
        settings = dataclasses.replace(config.optimizer_config(), budget=max(config.budget - spent, 1))
        if reached_at is None and config.optimizer is not None and spent < config.budget:
            search = optimize(config.optimizer, optimization, target, simulator, settings, start=values)
            if search.reached_at is not None:
                reached_at = spent + search.reached_at
            if search.best_design is not None and search.best_metrics is not None:
                if search.best_score >= optimization.score(metrics, target):
                    values, metrics = search.best_design, search.best_metrics
            for i, reward in enumerate(search.trace):
                _improved(trajectory, spent + i + 1, reward)
            spent += search.simulations
        if corner_set is not None:
            final = start if values == optimization.initial_values() else simulator.output(values)
            corners = corner_figures(optimization, optimization.corner_values(final), target)
            metrics = optimization.metric_values(final)  # the worst case: an agent's design skip-on-fail stopped at TT had TT's alone
    finally:
        simulator.close()
    return SizedDesign(
        circuit=config.circuit,
        target=target,
        reached=reached_at is not None,
        values=values,
        metrics=metrics,
        specs=spec_checks(optimization, metrics, target),
        simulations=spent,
        failed_simulations=(agent.failed_simulations if agent else 0) + (search.failed_simulations if search else 0),
        reached_at=reached_at,
        method=_method(config, checkpoint, agent, search, settings),
        simulator=config.simulator.describe(),
        warnings=notes,
        trajectory=(*trajectory, (spent, trajectory[-1][1])) if spent > trajectory[-1][0] else tuple(trajectory),
        corner_set=corner_set,
        corners=corners,
        simulations_run=simulator.simulations + (agent.simulations if agent else 0),
    )


def _improved(trajectory: list[tuple[int, float]], simulation: int, reward: float) -> None:
    """Record (simulation, reward) if `reward` beats the best so far (the trajectory's last)."""
    if reward > trajectory[-1][1]:
        trajectory.append((simulation, reward))


def sizing_agent(agent: Path, circuit: str) -> Agent:
    """`agent` (a checkpoint or a shipped policy) with the environment it was trained in, or an `InputError` at
    `agent` when it is neither, was trained for another circuit (its policy would act on metrics it never saw) or
    is a shipped policy its circuit has outgrown (`StalePolicy`)."""
    try:
        trained = open_agent(agent)
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as err:
        raise InputError("agent", f"not a checkpoint of autockt.train or a shipped policy: {err}") from None
    if trained.record.circuit != circuit:
        raise InputError("agent", f"{trained.path} was trained for {trained.record.circuit}, not {circuit}")
    return trained


def _method(
    config: SizingConfig, checkpoint: Path | None, agent: Deployment | None, search: SizingResult | None, settings: OptimizerConfig
) -> dict[str, Any]:
    described: dict[str, Any] = {"optimizer": config.optimizer, "settings": dataclasses.asdict(settings) if config.optimizer else None}
    if checkpoint is not None:
        described["agent"] = {
            "checkpoint": str(checkpoint),
            "shipped": is_shipped_policy(checkpoint),
            "simulations": agent.simulations if agent else 0,
            "episodes": agent.episodes if agent else 0,
            "reached": bool(agent and agent.reached_at is not None),
        }
    described["optimizer_simulations"] = search.simulations if search else 0
    return {**described, "autockt_version": version(AUTOCKT_DISTRIBUTION)}


def _simulate_start(simulator: Simulator, start: Mapping[str, float]) -> Any:
    """The Rpc's whole answer for the reset point (kept: a PVT design that stays there is not simulated again)."""
    try:
        return simulator.output(start)
    except SimulationFailure as err:
        raise with_server_hint(err) from err


def with_server_hint(err: SimulationFailure) -> SimulationFailure:
    """`err` with what to do when it is the first call of a sizing to fail: the server may not be running."""
    return SimulationFailure(
        f"{err}; start the circuit server (python AutoCkt/scripts/start_server.py), point THE_SERVER_URL (.env) "
        "or --server-url at it, or simulate in-process (--in-process)"
    )


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
