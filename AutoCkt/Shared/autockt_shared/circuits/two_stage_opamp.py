"""
# The AutoCkt two-stage op-amp benchmark: its wire types, its Rpc and its optimization problem

Circuit, testbench, design space and specs as defined by Settaluri et al., "AutoCkt: Deep
Reinforcement Learning of Analog Circuit Designs" (DATE 2020), and its public ngspice code.
"""

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

from ..optimization import CircuitOptimization, MetricSpec, Range, Sense, grid_field

_PF = 1e-12
_MULTIPLIER: dict[str, Any] = dict(lo=1, hi=100, step=1)


@dataclass(config=ConfigDict(extra="forbid"))
class OpAmpInput:
    """Device multipliers (W = 0.5 um, L = 90 nm each) and the Miller capacitor of the two-stage op-amp.

    Every field is required; each one's `initial` (in the JSON schema and its `ParamSpec`) is
    the benchmark's reset point: 34 everywhere, mn5 = 15, cc = 2.1 pF.
    """

    mp1: int = grid_field(34, **_MULTIPLIER, description="PMOS load mirror mp1/mp2")
    mn1: int = grid_field(34, **_MULTIPLIER, description="NMOS input pair mn1/mn2")
    mp3: int = grid_field(34, **_MULTIPLIER, description="PMOS second stage mp3")
    mn3: int = grid_field(34, **_MULTIPLIER, description="NMOS tail current source mn3")
    mn4: int = grid_field(34, **_MULTIPLIER, description="NMOS bias diode mn4")
    mn5: int = grid_field(15, **_MULTIPLIER, description="NMOS second-stage current source mn5")
    cc: float = grid_field(2.1 * _PF, 0.1 * _PF, 10 * _PF, 0.1 * _PF, unit="F", description="Miller capacitor")


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class OpAmpOutput:
    """An op-amp's small-signal performance. Always finite: NaN and infinities are refused.

    When the gain never crosses unity inside the AC sweep, ugbw and phm are undefined; they
    are then reported as the worst values, both 0.0 (if the gain is still above 1 at the top
    of the sweep, as the top frequency and the phase margin there).
    """

    gain: float = Field(description="|v(out)| at the lowest AC frequency (V/V)")
    ugbw: float = Field(description="unity-gain frequency (Hz); 0.0 when the gain never reaches 1")
    phm: float = Field(description="phase margin (deg): 180 + phase of v(out) at ugbw; 0.0 when there is no ugbw")
    ibias: float = Field(description="supply current drawn from VDD at the operating point (A)")


auto_ckt_sim_hdl21 = Rpc(
    name="auto_ckt_sim_hdl21",
    input_type=OpAmpInput,
    return_type=OpAmpOutput,
    docstring="""Simulate the AutoCkt two-stage Miller op-amp (45 nm BSIM4, ngspice): operating
    point and AC sweep 1 Hz - 10 GHz; returns gain, unity-gain bandwidth, phase margin and supply current.""",
    deterministic=True,  # both engines give bit-identical results for the same input
)

TWO_STAGE_OPAMP: CircuitOptimization[OpAmpInput, OpAmpOutput] = CircuitOptimization(
    name="two_stage_opamp",
    sim=auto_ckt_sim_hdl21,
    metrics=(
        MetricSpec("gain", Range(200.0, 400.0), normalizer=350.0, sense=Sense.AT_LEAST, unit="V/V"),
        MetricSpec("ugbw", Range(1.0e6, 2.5e7), normalizer=9.5e5, sense=Sense.AT_LEAST, unit="Hz"),
        MetricSpec("phm", Range(60.0, 60.0000001), normalizer=60.0, sense=Sense.AT_LEAST, unit="deg"),
        MetricSpec("ibias", Range(1e-4, 1e-2), normalizer=1e-3, sense=Sense.AT_MOST, unit="A"),
    ),
    description="AutoCkt benchmark: two-stage Miller op-amp, 10 pF load, specs as in Settaluri et al. 2020",
)
