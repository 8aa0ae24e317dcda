"""The folded-cascode op-amp works as an amplifier, and its spec ranges are within its reach without being met by one design."""

from __future__ import annotations

import random

import pytest

import autockt_ckt.handlers  # noqa: F401  (attaches the handlers)
from autockt_shared import FOLDED_CASCODE, Sense, folded_cascode_sim


def test_reset_point_is_a_stable_non_inverting_amplifier() -> None:
    inp = FOLDED_CASCODE.initial_input()
    out = folded_cascode_sim(inp)
    assert out.gain > 30
    assert 1e7 < out.ugbw < 1e9
    assert 45 < out.phm < 120  # a phase near 0 deg at DC, so the output follows inp.p
    # Designed supply current, in bias currents: 2 bias inputs, 2 PMOS gate generators, the
    # PMOS tail (2 beta) and the two top PMOS (gamma + alpha each). Short-channel mirrors miss by ~10 %.
    designed = 30e-6 * (2 + 2 + 2 * inp.beta + 2 * (inp.gamma + inp.alpha))
    assert out.ibias == pytest.approx(designed, rel=0.15)


def corner(*, hardest: bool) -> dict[str, float]:
    """The target at the hardest (or easiest) end of every range."""
    return {m.name: m.range.hi if (m.sense is Sense.AT_LEAST) == hardest else m.range.lo for m in FOLDED_CASCODE.metrics}


def test_the_reset_point_meets_not_even_the_easiest_target() -> None:
    assert not FOLDED_CASCODE.reached(FOLDED_CASCODE.simulate(FOLDED_CASCODE.initial_values()), corner(hardest=False))


def test_the_design_that_met_every_target_of_the_earlier_ranges_misses_the_hardest_target() -> None:
    # Ranges that one design meets entirely let a policy ignore its target (see autockt_shared.folded_cascode).
    universal = dict(nbias=6, pbias=9, ncasc=11, pcasc=9, ninp=19, pinp=15, alpha=3, beta=2, gamma=2, vcb=0.19, cc=1.6e-12)
    assert not FOLDED_CASCODE.reached(FOLDED_CASCODE.simulate(universal), corner(hardest=True))


def test_the_easiest_target_is_met_by_some_random_design() -> None:
    easiest = corner(hardest=False)
    rng = random.Random(3)
    designs = [FOLDED_CASCODE.sample_values(rng) for _ in range(40)]  # about 1 in 6 meets it
    assert any(FOLDED_CASCODE.reached(FOLDED_CASCODE.simulate(d), easiest) for d in designs)
