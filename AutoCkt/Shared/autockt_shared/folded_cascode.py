"""
# The folded-cascode op-amp of the original CktGym: wire types, Rpc and optimization problem

Rail-to-rail: an NMOS and a PMOS input pair fold into one cascoded output stack, converted
to a single-ended output by a self-biased PMOS mirror. Sizes are given as unit device
multipliers per role times current ratios; see `autockt_ckt.folded_cascode`.
"""

from discovery_shared import Rpc
from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from .optimization import grid_field
from .two_stage_opamp import OpAmpOutput

_PF = 1e-12
_UNIT = dict(lo=1, hi=20, step=1)
_RATIO = dict(lo=1, hi=10, step=1)


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
)
