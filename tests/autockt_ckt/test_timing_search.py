"""The setup/hold offset search of the clocked circuits (`_timing.smallest_passing`) on outcomes of known shape."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autockt_ckt.circuits._timing import DELAY_LIMIT, smallest_passing


class Probes:
    """A probe outcome by offset, counting the probes (each a transient in the served circuits)."""

    def __init__(self, outcome: Callable[[float], float | None]) -> None:
        self.outcome = outcome
        self.offsets: list[float] = []

    def __call__(self, offset: float) -> float | None:
        self.offsets.append(offset)
        return self.outcome(offset)


def test_a_smooth_drift_is_found_by_secant_to_within_rounding() -> None:
    crossing, tau = 400e-12, 90e-12  # log(ratio - 1) linear in the offset, as a flip-flop's setup nearly is
    probe = Probes(lambda s: 1 + (DELAY_LIMIT - 1) * math.exp(-(s - crossing) / tau) if s > 150e-12 else None)
    found = smallest_passing(probe, 100e-12, 1.45e-9, steps=3, first=460e-12)
    assert found == pytest.approx(crossing, rel=1e-9)
    assert len(probe.offsets) == 3 and probe.offsets[0] == 460e-12


def test_a_jump_from_relaxed_to_failure_is_bisected_to_the_bracket_over_two_to_the_probes() -> None:
    boundary = 0.6137e-9  # a latch: relaxed (ratio 1.0) above, no switching below
    probe = Probes(lambda s: 1.0 if s >= boundary else None)
    found = smallest_passing(probe, 0.3e-9, 1.1e-9, steps=5)
    assert boundary <= found <= boundary + 0.8e-9 / 2**5
    assert len(probe.offsets) == 5


def test_a_late_failing_probe_is_interpolated_with_the_passing_one() -> None:
    probe = Probes(lambda s: 1.0 if s >= 0.5 else 1.2)  # the failing side switched, too late
    found = smallest_passing(probe, 0.0, 1.0, steps=2)
    assert found == pytest.approx(0.5 - 0.25 * 0.05 / 0.2)  # between 0.25 (1.2) and 0.5 (1.0), where 1.05 falls


def test_all_passing_gives_the_lowest_probe_and_none_passing_the_top_of_the_bracket() -> None:
    assert smallest_passing(lambda s: 1.0, 0.0, 1.0, steps=3) == pytest.approx(0.125)
    assert smallest_passing(lambda s: None, 0.0, 1.0, steps=3) == 1.0
