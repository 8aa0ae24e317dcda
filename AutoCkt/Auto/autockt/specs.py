"""
# The spec manager: seeded target sets, training and validation kept apart

AutoCkt trains on a fixed set of generated targets (350) and measures generalization on
targets it never trained on. A `TargetSet` is reproducible from its circuit, size and seed,
can be told to avoid another set (validation avoids training), and is saved as JSON next
to the run so that a result can always be traced to the exact targets behind it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
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
