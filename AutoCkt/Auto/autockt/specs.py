"""
# The spec manager: seeded target sets, training and validation kept apart

AutoCkt trains on a fixed set of generated targets (350) and measures generalization on
targets it never trained on. A `TargetSet` is reproducible from its circuit, size and seed,
can be told to avoid another set (validation avoids training), and is saved as JSON next
to the run so that a result can always be traced to the exact targets behind it.

A target given from outside (a designer's, for `size`; a file of them, for `validate`) is
checked here, once for both, before anything is simulated: `checked_target` refuses an unknown
or missing spec or a value that is not a finite number with an `InputError` whose `field` says
where (`target.gain`, `targets[2].ibias`), so that a script can refuse it in one line.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autockt_shared import CircuitOptimization, circuit_optimization

Target = dict[str, float]

TRAINING_STREAM = 0
VALIDATION_STREAM = 1
"""Training and validation targets come from different random streams of the same seed."""


@dataclasses.dataclass(frozen=True)
class TargetSet:
    """Targets of one circuit, drawn uniformly from its metric ranges with `seed` on `stream`."""

    circuit: str
    seed: int
    stream: int
    targets: tuple[Target, ...]

    @classmethod
    def generate(
        cls,
        optimization: CircuitOptimization[Any, Any],
        n: int,
        seed: int,
        stream: int,
        avoid: TargetSet | None = None,
    ) -> TargetSet:
        """`n` targets; any draw equal to a target of `avoid` is drawn again, so the sets never overlap.

        Drawn one after another, so the first `k` targets of a set of `n` are the set of `k`.
        """
        rng = np.random.default_rng([seed, stream])
        taken = avoid.keys() if avoid is not None else set()
        targets: list[Target] = []
        while len(targets) < n:
            target = optimization.sample_target(rng)
            if _key(target) not in taken:
                targets.append(target)
        return cls(optimization.name, seed, stream, tuple(targets))

    @classmethod
    def training(cls, optimization: CircuitOptimization[Any, Any], n: int, seed: int) -> TargetSet:
        return cls.generate(optimization, n, seed, TRAINING_STREAM)

    @classmethod
    def validation(cls, training: TargetSet, n: int, seed: int) -> TargetSet:
        """Targets for measuring generalization: never one of `training`'s."""
        return cls.generate(circuit_optimization(training.circuit), n, seed, VALIDATION_STREAM, avoid=training)

    def keys(self) -> set[tuple[float, ...]]:
        return {_key(t) for t in self.targets}

    def isdisjoint(self, other: TargetSet) -> bool:
        return self.keys().isdisjoint(other.keys())

    def __len__(self) -> int:
        return len(self.targets)

    def __iter__(self) -> Iterator[Target]:
        return iter(self.targets)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(dataclasses.asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> TargetSet:
        data = json.loads(path.read_text())
        return cls(data["circuit"], data["seed"], data["stream"], tuple(data["targets"]))


def _key(target: Target) -> tuple[float, ...]:
    return tuple(target[name] for name in sorted(target))


class InputError(ValueError):
    """Input refused before any simulation; `field` names what is wrong (`circuit`, `target.gain`, `targets[2].ibias`, ...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class UnknownSpec(InputError):
    pass


class MissingSpec(InputError):
    pass


class NonFiniteValue(InputError):
    pass


def checked_target(optimization: CircuitOptimization[Any, Any], target: Mapping[str, object], field: str = "target") -> Target:
    """`target` as floats in the circuit's spec order, or the first problem as an `InputError` at `field.<spec>`.

    Values are checked at run time, not trusted to their annotation, because they may come straight from JSON.
    """
    names = [m.name for m in optimization.metrics]
    for name, value in target.items():
        if name not in names:
            raise UnknownSpec(f"{field}.{name}", f"{optimization.name} has no spec {name!r}; its specs: {', '.join(names)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{field}.{name}", f"not a number: {value!r}")
        if not math.isfinite(value):
            raise NonFiniteValue(f"{field}.{name}", f"the target must be a finite number, got {value}")
    missing = [name for name in names if name not in target]
    if missing:
        raise MissingSpec(f"{field}.{missing[0]}", f"{optimization.name} needs a target for every spec: {', '.join(names)}")
    return {name: float(target[name]) for name in names}  # type: ignore[arg-type]  # checked above


def checked_targets(optimization: CircuitOptimization[Any, Any], targets: Sequence[Mapping[str, object]]) -> tuple[Target, ...]:
    """Each of `targets` checked by `checked_target`, refused at `targets[i]`; no target at all is refused too."""
    if not targets:
        raise InputError("targets", "no targets given")
    return tuple(checked_target(optimization, target, f"targets[{i}]") for i, target in enumerate(targets))


def read_targets(path: Path) -> list[dict[str, object]]:
    """The JSON list of targets in `path`, each an object of spec name: value (as `TargetSet.save` writes its
    `targets`); only its shape is checked here, its specs and values by `checked_targets` against the circuit."""
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise InputError("targets", f"cannot read {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise InputError("targets", f"{path} is not JSON: {err}") from None
    if not isinstance(data, list):
        raise InputError("targets", f"{path} must hold a JSON list of targets, got a {type(data).__name__}")
    for i, target in enumerate(data):
        if not isinstance(target, dict):
            raise InputError(f"targets[{i}]", f"expected an object of spec name: value, got {target!r}")
    return data
