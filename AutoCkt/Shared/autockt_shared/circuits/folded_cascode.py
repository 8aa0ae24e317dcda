"""
# The folded-cascode op-amp of the original CktGym: wire types, Rpc and optimization problem

Rail-to-rail: an NMOS and a PMOS input pair fold into one cascoded output stack, converted
to a single-ended output by a self-biased PMOS mirror. Sizes are given as unit device
multipliers per role times current ratios; see `autockt_ckt.circuits.folded_cascode`.

## How the spec ranges were chosen
No published benchmark defines targets for this circuit, so they come from a map of what it
reaches. `benchmarks/target_difficulty.py --searches 150` simulates 20,000 uniform grid points
plus 150 coordinate searches toward targets beyond the ranges (74,871 designs, none failed, 671 s)
and takes their Pareto front (gain, ugbw and phase margin up, supply current down): 11,005
designs.

An earlier choice of ranges (gain 60-200, ugbw 3e7-1.5e8 Hz, ibias 0.6-1.2 mA), taken from the
middle of a random survey, was degenerate: one design met every target they could produce,
so a policy learnt a single walk from the reset point (mean episode length 1.1) without
reading its target. The ranges now reach into the front so that targets trade off against
each other: of 1,000 targets drawn from them, 97.8 % are met by some mapped design (a lower
bound on what can be reached), the best single design meets 77.4 % (the two-stage
benchmark's best meets 51.9 %), and the reset point meets none. Phase margin is fixed at
60 deg as in the two-stage benchmark; normalizers sit inside each range.
"""

from typing import Any

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

from ..optimization import CircuitOptimization, MetricSpec, Range, Sense, grid_field
from .two_stage_opamp import OpAmpOutput

_PF = 1e-12
_UNIT: dict[str, Any] = dict(lo=1, hi=20, step=1)
_RATIO: dict[str, Any] = dict(lo=1, hi=10, step=1)


@dataclass(config=ConfigDict(extra="forbid"))
class FoldedCascodeInput:
    """Unit multipliers (W = 0.5 um, L = 90 nm devices) per device role, current ratios, the
    cascode bias voltage and the output capacitor. Every field is required; `initial` in each
    field's schema is the reset point."""

    nbias: int = grid_field(2, **_UNIT, description="NMOS current-source unit multiplier")
    pbias: int = grid_field(4, **_UNIT, description="PMOS current-source unit multiplier")
    ncasc: int = grid_field(2, **_UNIT, description="NMOS cascode unit multiplier")
    pcasc: int = grid_field(4, **_UNIT, description="PMOS cascode unit multiplier")
    ninp: int = grid_field(2, **_UNIT, description="NMOS input-pair unit multiplier")
    pinp: int = grid_field(4, **_UNIT, description="PMOS input-pair unit multiplier")
    alpha: int = grid_field(2, **_RATIO, description="NMOS input pair: current per side / bias current")
    beta: int = grid_field(2, **_RATIO, description="PMOS input pair: current per side / bias current")
    gamma: int = grid_field(2, **_RATIO, description="output cascode branch current / bias current")
    vcb: float = grid_field(0.2, 0.05, 0.5, 0.01, unit="V", description="cascode bias headroom: drop across the bias resistors")
    cc: float = grid_field(1.0 * _PF, 0.1 * _PF, 10 * _PF, 0.1 * _PF, unit="F", description="output load/compensation capacitor")


folded_cascode_sim = Rpc(
    name="folded_cascode_sim",
    input_type=FoldedCascodeInput,
    return_type=OpAmpOutput,
    docstring="""Simulate the rail-to-rail folded-cascode op-amp (45 nm BSIM4, ngspice): operating
    point and AC sweep 1 Hz - 10 GHz; returns gain, unity-gain bandwidth, phase margin and supply current.""",
    deterministic=True,  # both engines give bit-identical results for the same input
)

FOLDED_CASCODE: CircuitOptimization[FoldedCascodeInput, OpAmpOutput] = CircuitOptimization(
    name="folded_cascode",
    sim=folded_cascode_sim,
    metrics=(
        MetricSpec("gain", Range(100.0, 400.0), normalizer=200.0, sense=Sense.AT_LEAST, unit="V/V"),
        MetricSpec("ugbw", Range(5.0e7, 3.0e8), normalizer=1.2e8, sense=Sense.AT_LEAST, unit="Hz"),
        MetricSpec("phm", Range(60.0, 60.0000001), normalizer=60.0, sense=Sense.AT_LEAST, unit="deg"),
        MetricSpec("ibias", Range(3e-4, 1e-3), normalizer=5e-4, sense=Sense.AT_MOST, unit="A"),
    ),
    description="Rail-to-rail folded-cascode op-amp; spec ranges from its trade-off front (see module docstring)",
)
