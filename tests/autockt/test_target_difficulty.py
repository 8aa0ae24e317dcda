"""benchmarks/target_difficulty.py's search targets, for every registered circuit."""

from __future__ import annotations

import math
import random
import runpy
from collections.abc import Callable
from pathlib import Path

import pytest

from autockt_shared import Sense, all_circuits, circuit_optimization

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/target_difficulty.py"


@pytest.fixture(scope="module")
def ambitious_target() -> Callable[..., dict[str, float]]:
    """The script's target drawer, its module run once for every circuit's case."""
    drawer: Callable[..., dict[str, float]] = runpy.run_path(str(SCRIPT))["ambitious_target"]
    return drawer


@pytest.mark.parametrize("circuit", sorted(all_circuits()))
def test_search_targets_are_finite_and_at_least_as_hard_as_the_ranges_easy_end(
    circuit: str, ambitious_target: Callable[..., dict[str, float]]
) -> None:
    """A range starting at zero (the sky130 LDO's PSRR above 1 MHz, 0-0.01 dB) has no ratio of its ends to draw over."""
    opt = circuit_optimization(circuit)
    rng = random.Random(0)
    for _ in range(50):
        target = ambitious_target(opt, rng)
        for m in opt.metrics:
            value = target[m.name]
            assert math.isfinite(value), (m.name, value)
            assert value >= m.range.lo if m.sense is Sense.AT_LEAST else value <= m.range.hi, (m.name, value)
