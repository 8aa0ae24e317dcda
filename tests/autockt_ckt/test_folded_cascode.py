"""The folded-cascode op-amp works as an amplifier, and its spec ranges are within its reach."""

from __future__ import annotations

import random

import autockt_ckt.handlers  # noqa: F401  (attaches the handlers)
import pytest
from autockt_shared import FOLDED_CASCODE, folded_cascode_sim


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


def test_the_easiest_target_is_met_by_some_random_design() -> None:
    easiest = {m.name: m.range.lo if m.sense.value == "at_least" else m.range.hi for m in FOLDED_CASCODE.metrics}
    rng = random.Random(3)
    designs = [FOLDED_CASCODE.sample_values(rng) for _ in range(12)]
    assert any(FOLDED_CASCODE.reached(FOLDED_CASCODE.simulate(d), easiest) for d in designs)
