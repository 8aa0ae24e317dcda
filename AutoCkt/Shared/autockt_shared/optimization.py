"""
# The optimization vocabulary

What an optimizer (the Gymnasium environment, a genetic algorithm, a sweep) needs to know
about a circuit, with no circuit code in it:

* `ParamSpec`: one design parameter's range, grid step and initial value. Derived from the
  input type's field metadata (`grid_field`), so each range is written exactly once and the
  same numbers drive the server's validation, the OpenAPI schema and the action space. An
  input type may nest others (a flip-flop of two latches): its parameters are then named by
  path (`l1.w1`), one flat grid for optimizers, built back into the nested input by `make_input`.
* `MetricSpec`: one measured metric's target range, normalizer and sense (at least / at most).
* `settaluri_reward`: the AutoCkt reward, generic over `MetricSpec`s.
* `CircuitOptimization`: the bundle: the simulation `Rpc` (which carries the input and
  output types), the param specs, the metric specs and the reward.
* `Evaluation`: what one simulation call answered an optimizer: the metrics, each corner's
  metrics at a PVT circuit, whether the circuit skipped its other corners (skip-on-fail) and how
  many simulations it ran.

Skip-on-fail: a circuit simulated at several PVT corners whose input has an optional `target`
option simulates its typical corner first and the others only if that corner meets the target.
An optimizer that knows its target sends one (`CircuitOptimization.make_input(values, target)`),
so a design that misses at the typical corner costs one simulation instead of the whole set.
What it sends is not the target itself but the loosest bound each spec must meet at the typical
corner for the design to be able to count as reached (`skip_bounds`): the worst case over every
corner is no better than the typical corner in any spec, so a skipped design could never have
been reached, and one the reached rule would accept is never skipped. A skipped design's score
(`evaluated_score`) is its typical corner's less `skipped_penalty`: the typical corner alone
would flatter it (the other corners can only be worse), so an optimizer would prefer designs
just short of the target at typical conditions, whose corners it never sees; below the floor
of a fully simulated design's score, every skipped design ranks under every design that passed
the typical corner, and the typical corner's shortfall still ranks skipped designs among
themselves (PPAAS's choice, in AutoCkt's scale).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from functools import cached_property
from typing import Any, Generic, Protocol, TypeVar

import annotated_types
import pydantic

from discovery_shared import Rpc

from .corner_sets import CORNER_SET_FIELD, CORNERS_FIELD

In = TypeVar("In")
Out = TypeVar("Out")

REACHED_THRESHOLD = -0.02
"""A target counts as reached when the reward is at least this (the AutoCkt benchmark's rule)."""

SKIP_TARGET_FIELD = "target"
"""The option field of a circuit's input that asks for skip-on-fail (module docstring)."""

REACHED_BONUS = 10.0
"""The reward AutoCkt gives on the step that reaches the target; that step also ends the episode."""


@dataclasses.dataclass(frozen=True)
class Range:
    """A closed interval `[lo, hi]`."""

    lo: float
    hi: float

    def __post_init__(self) -> None:
        if not self.lo <= self.hi:
            raise ValueError(f"Range needs lo <= hi, got [{self.lo}, {self.hi}]")

    def clip(self, x: float) -> float:
        return min(max(x, self.lo), self.hi)

    def __contains__(self, x: float) -> bool:
        return self.lo <= x <= self.hi


def grid_field(initial: float, lo: float, hi: float, step: float, *, unit: str = "", description: str = "") -> Any:
    """A required pydantic field for a design parameter on a grid: validated to `[lo, hi]`,
    documented in the JSON schema (`minimum`, `maximum`, `step`, `initial`, `unit`), and read
    back by `param_specs`.

    Required, with no default: a client that leaves a parameter out (or speaks an older
    schema) is refused with the field named instead of silently simulating a default.
    `initial` is the optimizer's reset point. Values between grid points are accepted: the
    grid is for optimizers that move in steps; a human may ask for any value in range.
    """
    if not lo <= initial <= hi:
        raise ValueError(f"initial value {initial} is outside [{lo}, {hi}]")
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    return pydantic.Field(ge=lo, le=hi, description=description, json_schema_extra={"step": step, "initial": initial, "unit": unit})


def option_field(default: Any, *, description: str = "") -> Any:
    """A field of a simulation input that is not a design parameter (which corners to simulate,
    a target to stop early on): it has a default, optimizers leave it there, and `param_specs`
    skips it, so a circuit's grid stays its design alone."""
    return pydantic.Field(default=default, description=description, json_schema_extra={"option": True})


class UniformSampler(Protocol):
    """`random.Random` and `numpy.random.Generator` both fit."""

    def uniform(self, low: float, high: float) -> Any: ...


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """One design parameter as an optimizer sees it: a grid `range.lo + k * step` inside `range`."""

    name: str
    range: Range
    step: float
    initial: float
    integer: bool
    unit: str = ""

    @property
    def grid_size(self) -> int:
        """Number of grid points, both ends included."""
        return round((self.range.hi - self.range.lo) / self.step) + 1

    def index_of(self, value: float) -> int:
        """Index of the grid point nearest `value` (clipped to the grid)."""
        return min(max(round((value - self.range.lo) / self.step), 0), self.grid_size - 1)

    def value_at(self, index: int) -> float:
        """Value of grid point `index` (clipped to the grid), free of float drift: 2.1e-12, not 2.1000000000000002e-12."""
        index = min(max(index, 0), self.grid_size - 1)
        if self.integer:
            return int(round(self.range.lo + index * self.step))
        return self.range.clip(float(f"{self.range.lo + index * self.step:.12g}"))

    def sample(self, rng: UniformSampler) -> float:
        """A grid point drawn uniformly."""
        return self.value_at(int(rng.uniform(0, self.grid_size)))


def grid_values(params: Sequence[ParamSpec], indices: Iterable[int]) -> dict[str, float]:
    """The parameter values, by name, of a design given as one grid index per parameter
    (how optimizers move through a design space; the simulation Rpc takes values)."""
    return {p.name: p.value_at(int(i)) for p, i in zip(params, indices, strict=True)}


def param_specs(input_type: type) -> tuple[ParamSpec, ...]:
    """The `ParamSpec`s of a pydantic dataclass whose fields were declared with `grid_field`, in field order.

    A field whose type is itself such a dataclass (a flip-flop's two latches) contributes its
    own parameters, named by their path: `l1.w1`. Optimizers see one flat grid; `make_input`
    builds the nested input back from those names.
    """
    return _param_specs(input_type, prefix="")


NESTING_SEPARATOR = "."
"""Joins a nested field's name to its parent's in a flat parameter name (`l1.w1`)."""


def _nested_type(info: pydantic.fields.FieldInfo) -> type | None:
    """The field's type if it is a pydantic dataclass (a nested group of parameters), else None."""
    annotation = info.annotation
    return annotation if isinstance(annotation, type) and hasattr(annotation, "__pydantic_fields__") else None


def _param_specs(input_type: type, prefix: str) -> tuple[ParamSpec, ...]:
    fields: Mapping[str, pydantic.fields.FieldInfo] = input_type.__pydantic_fields__  # type: ignore[attr-defined]
    specs: list[ParamSpec] = []
    for name, info in fields.items():
        nested = _nested_type(info)
        if nested is not None:
            specs.extend(_param_specs(nested, prefix=f"{prefix}{name}{NESTING_SEPARATOR}"))
            continue
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("option"):
            continue
        lo = next((m.ge for m in info.metadata if isinstance(m, annotated_types.Ge) and isinstance(m.ge, (int, float))), None)
        hi = next((m.le for m in info.metadata if isinstance(m, annotated_types.Le) and isinstance(m.le, (int, float))), None)
        if not isinstance(extra, dict) or "initial" not in extra or lo is None or hi is None:
            raise TypeError(f"{input_type.__name__}.{name} is not a grid_field: declare it with grid_field(...)")
        specs.append(
            ParamSpec(
                name=prefix + name,
                range=Range(float(lo), float(hi)),
                step=float(extra["step"]),  # type: ignore[arg-type]
                initial=extra["initial"],  # type: ignore[arg-type]
                integer=info.annotation is int,
                unit=str(extra.get("unit", "")),
            )
        )
    return tuple(specs)


def build_input(input_type: type[In], values: Mapping[str, float]) -> In:
    """An instance of `input_type` from flat parameter `values` as `param_specs` names them
    (`l1.w1` goes to field `w1` of field `l1`). Validated in one go, so an unknown, missing or
    out-of-range parameter raises pydantic's `ValidationError` located by its path (`l1`, `w1`)."""
    return input_type(**_nest(input_type, values))


def _nest(input_type: type, values: Mapping[str, float]) -> dict[str, Any]:
    """Flat dotted names to the nested mapping pydantic validates (nested groups as dicts)."""
    fields: Mapping[str, pydantic.fields.FieldInfo] = input_type.__pydantic_fields__  # type: ignore[attr-defined]
    tree: dict[str, Any] = {}
    groups: dict[str, dict[str, float]] = {}
    for name, value in values.items():
        head, separator, rest = name.partition(NESTING_SEPARATOR)
        if separator and head in fields and _nested_type(fields[head]) is not None:
            groups.setdefault(head, {})[rest] = value
        else:
            tree[name] = value
    for head, group in groups.items():
        tree[head] = _nest(_nested_type(fields[head]), group)  # type: ignore[arg-type]  # a group only for a nested type
    return tree


class Sense(str, Enum):
    """Which side of a target is good."""

    AT_LEAST = "at_least"
    AT_MOST = "at_most"


def relative_difference(x: float, ref: float) -> float:
    """`(x - ref) / (x + ref)`, the AutoCkt normalization, for positive `x` and `ref`.

    The denominator is `|x| + |ref|` so that the result stays finite and inside [-1, 1] when a
    metric is zero or negative (a phase margin can be): it is then -1 for positive `ref`.
    """
    denominator = abs(x) + abs(ref)
    return 0.0 if denominator == 0 else (x - ref) / denominator


@dataclasses.dataclass(frozen=True)
class MetricSpec:
    """One metric an optimizer is asked to meet: targets are drawn from `range`; `normalizer`
    scales observations; `sense` says whether the metric must be at least or at most the target."""

    name: str
    range: Range
    normalizer: float
    sense: Sense
    unit: str = ""

    def normalize(self, x: float) -> float:
        """The observation of value `x`: `(x - normalizer) / (x + normalizer)`, in [-1, 1]."""
        return relative_difference(x, self.normalizer)

    def error(self, current: float, target: float) -> float:
        """Signed relative error: positive means better than the target, whatever the sense."""
        r = relative_difference(current, target)
        return r if self.sense is Sense.AT_LEAST else -r

    def sample(self, rng: UniformSampler) -> float:
        """A target drawn uniformly from `range`."""
        return float(rng.uniform(self.range.lo, self.range.hi))


RewardFn = Callable[[Sequence[MetricSpec], Mapping[str, float], Mapping[str, float]], float]
"""`reward(metric_specs, current_metrics, target_metrics) -> float`."""


def settaluri_reward(metrics: Sequence[MetricSpec], current: Mapping[str, float], target: Mapping[str, float]) -> float:
    """The AutoCkt reward (Settaluri et al., DATE 2020): the sum of the negative signed relative
    errors. 0 when every target is met, down to `-len(metrics)`. The sense of each metric comes
    from its `MetricSpec`."""
    return sum(min(spec.error(current[spec.name], target[spec.name]), 0.0) for spec in metrics)


def skip_bounds(metrics: Sequence[MetricSpec], target: Mapping[str, float]) -> dict[str, float]:
    """The loosest value of each spec with which `settaluri_reward` can still reach `target`: every
    term of the reward is at most 0, so a reached design has each spec's error at least
    `REACHED_THRESHOLD`, i.e. (for the positive targets of spec ranges) at least `t (1 - d) / (1 + d)`
    of an at-least spec, at most `t (1 + d) / (1 - d)` of an at-most one, with `d = -REACHED_THRESHOLD`."""
    d = -REACHED_THRESHOLD
    loosen = {Sense.AT_LEAST: (1.0 - d) / (1.0 + d), Sense.AT_MOST: (1.0 + d) / (1.0 - d)}
    return {spec.name: target[spec.name] * loosen[spec.sense] for spec in metrics}


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """One design's simulation as an optimizer reads it.

    `skipped`: the circuit ran its typical corner alone, as it missed the target sent (skip-on-fail),
    so `metrics` are that corner's, not the worst case over the set, and the design missed its target.
    `simulations`: the simulations the answer says it ran (one for a circuit of one simulation per call).
    `corners`: a PVT circuit's metrics at each corner simulated, by corner name, in its corner set's order
    (the typical corner first: skip-on-fail simulates it first); empty for a circuit of one condition.
    """

    metrics: dict[str, float]
    skipped: bool = False
    simulations: int = 1
    corners: Mapping[str, dict[str, float]] = dataclasses.field(default_factory=dict)


_OPTIMIZATIONS: dict[str, CircuitOptimization[Any, Any]] = {}


def registered_optimizations() -> dict[str, CircuitOptimization[Any, Any]]:
    """Every `CircuitOptimization` constructed so far, by name (`circuits.all_circuits()` imports them all
    first; `circuits.circuit_optimization(name)` looks one up)."""
    return dict(sorted(_OPTIMIZATIONS.items()))


@dataclasses.dataclass(frozen=True, eq=False)
class CircuitOptimization(Generic[In, Out]):
    """Everything an optimizer needs about one circuit, and nothing about how it is simulated.

    `sim` is the simulation `Rpc`: calling it runs in-process or on a server, whichever the
    process set up. Its input type's `grid_field`s give the `params` (its `option_field`s keep
    their defaults); the output type has one float attribute per `MetricSpec`, or, with
    `metrics_field`, its field of that name does (a design at several corners answers with each
    corner's metrics, and an optimizer sizes for their worst case). Instances are registered by `name` and pickle as that
    name, so they travel into RLlib env runners without dragging the Rpc along: `circuits`
    registers that reduction (`copyreg`), as only it can import every circuit's module where
    one is unpickled.
    """

    name: str
    sim: Rpc[In, Out]
    metrics: tuple[MetricSpec, ...]
    reward: RewardFn = settaluri_reward
    description: str = ""
    metrics_field: str | None = None
    """The output's field that holds the metrics; None: the output itself."""

    def __post_init__(self) -> None:
        if self.name in _OPTIMIZATIONS:
            raise ValueError(f"a CircuitOptimization named {self.name!r} already exists")
        holder: type = self.output_type
        if self.metrics_field is not None:
            field = holder.__pydantic_fields__.get(self.metrics_field)  # type: ignore[attr-defined]
            if field is None or not hasattr(field.annotation, "__pydantic_fields__"):
                raise ValueError(f"{holder.__name__} has no field {self.metrics_field!r} of a pydantic dataclass to read metrics from")
            holder = field.annotation
        missing = [m.name for m in self.metrics if m.name not in holder.__pydantic_fields__]  # type: ignore[attr-defined]
        if missing:
            raise ValueError(f"{holder.__name__} has no field for metrics {missing}")
        _OPTIMIZATIONS[self.name] = self

    @property
    def input_type(self) -> type[In]:
        return self.sim.input_type

    @property
    def output_type(self) -> type[Out]:
        return self.sim.return_type

    @cached_property
    def params(self) -> tuple[ParamSpec, ...]:
        return param_specs(self.input_type)

    def initial_values(self) -> dict[str, float]:
        """The reset point: every parameter at its initial value."""
        return {p.name: p.initial for p in self.params}

    def initial_input(self) -> In:
        """The simulation input at the reset point."""
        return self.make_input(self.initial_values())

    @cached_property
    def skips_on_fail(self) -> bool:
        """Whether the input has the option field `target` (skip-on-fail; module docstring)."""
        field = self.input_type.__pydantic_fields__.get(SKIP_TARGET_FIELD)  # type: ignore[attr-defined]
        extra = None if field is None else field.json_schema_extra
        return isinstance(extra, dict) and bool(extra.get("option"))

    @cached_property
    def pdk(self) -> str | None:
        """The open PDK the circuit simulates on, as its corner-set field names it (`corner_sets`);
        None for a circuit of the 45 nm card, which every server simulates."""
        field = self.input_type.__pydantic_fields__.get(CORNER_SET_FIELD)  # type: ignore[attr-defined]
        extra = None if field is None else field.json_schema_extra
        return str(extra["pdk"]) if isinstance(extra, dict) and "pdk" in extra else None

    def make_input(self, values: Mapping[str, float], target: Mapping[str, float] | None = None) -> In:
        """The simulation input for parameter `values`, named as `params` names them (validated:
        out-of-range values raise); nested input types are built from their dotted names. With a
        `target`, a circuit that `skips_on_fail` is sent its `skip_bounds` (others ignore it)."""
        if target is None or not self.skips_on_fail:
            return build_input(self.input_type, values)
        return build_input(self.input_type, {**values, SKIP_TARGET_FIELD: skip_bounds(self.metrics, target)})  # type: ignore[dict-item]

    def metric_values(self, out: Out) -> dict[str, float]:
        """The metrics of a simulation result, by `MetricSpec` name (read from `metrics_field` if it is set)."""
        holder = out if self.metrics_field is None else getattr(out, self.metrics_field)
        return {m.name: float(getattr(holder, m.name)) for m in self.metrics}

    def corner_values(self, out: Out) -> dict[str, dict[str, float]]:
        """A PVT circuit's metrics at each corner its result holds, by corner name in the set's order; {} for a
        circuit of one condition (its output has no `CORNERS_FIELD`)."""
        corners: Mapping[str, Any] = getattr(out, CORNERS_FIELD, None) or {}
        return {name: {m.name: float(getattr(at, m.name)) for m in self.metrics} for name, at in corners.items()}

    def evaluation(self, out: Out) -> Evaluation:
        """The `Evaluation` of a simulation result: its metrics, and its `skipped`, `simulations` and corners where it has them."""
        skipped, simulations = bool(getattr(out, "skipped", False)), int(getattr(out, "simulations", 1))
        return Evaluation(self.metric_values(out), skipped, simulations, self.corner_values(out))

    def simulate(self, values: Mapping[str, float], target: Mapping[str, float] | None = None) -> dict[str, float]:
        """Simulate parameter `values` through the Rpc (skip-on-fail against `target`, if given) and return the metrics."""
        return self.metric_values(self.sim(self.make_input(values, target)))

    def sample_values(self, rng: UniformSampler) -> dict[str, float]:
        """A design drawn uniformly from the parameter grid (random search, surveys, random resets)."""
        return {p.name: p.sample(rng) for p in self.params}

    def sample_target(self, rng: UniformSampler) -> dict[str, float]:
        """One target, each metric drawn uniformly from its spec range (as AutoCkt generates its specs)."""
        return {m.name: m.sample(rng) for m in self.metrics}

    def score(self, current: Mapping[str, float], target: Mapping[str, float]) -> float:
        """This circuit's reward for `current` metrics against `target`."""
        return self.reward(self.metrics, current, target)

    @property
    def skipped_penalty(self) -> float:
        """What a skipped design's score loses (module docstring): `len(metrics)`, the depth of the reward's range."""
        return float(len(self.metrics))

    def lowest_score(self, skipping: bool) -> float:
        """The floor of `evaluated_score`: `-len(metrics)` (the AutoCkt reward's), less `skipped_penalty` when
        designs may be skipped; what a failed simulation scores, so that failing is never better than simulating."""
        return -float(len(self.metrics)) - (self.skipped_penalty if skipping and self.skips_on_fail else 0.0)

    def evaluated_score(self, evaluation: Evaluation, target: Mapping[str, float]) -> float:
        """The score of a simulated design: its metrics' `score`, less `skipped_penalty` if skip-on-fail stopped at its typical corner."""
        return self.score(evaluation.metrics, target) - (self.skipped_penalty if evaluation.skipped else 0.0)

    def evaluated_reached(self, evaluation: Evaluation, target: Mapping[str, float]) -> bool:
        """Whether a simulated design meets `target`: never a skipped one, whose other corners were never simulated."""
        return not evaluation.skipped and self.reached(evaluation.metrics, target)

    def reached(self, current: Mapping[str, float], target: Mapping[str, float]) -> bool:
        """Whether `current` meets `target` by the AutoCkt rule: reward >= `REACHED_THRESHOLD`."""
        return self.score(current, target) >= REACHED_THRESHOLD
