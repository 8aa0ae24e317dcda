"""
# The six metrics PPAAS's op-amps share (TSA, CMA), declared once

Both op-amps run on one testbench with one set of metric definitions (the server's
`autockt_ckt.ppaas_opamp_bench`), so each one's metrics type is a subclass of `OpampMetrics`
that adds only its name in the schema and its docstring.
"""

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class OpampMetrics:
    """A PPAAS op-amp's six metrics at one corner, or their worst case over several, or a target."""

    gain: float = Field(description="largest |dVout/dVin| over the +-1 mV DC sweep (V/V)")
    vswing: float = Field(description="output range over the sweep's intervals of slope >= gain/sqrt(2) (V)")
    ugbw: float = Field(description="first unity-gain frequency (Hz); 0.0 when the gain never reaches 1")
    phm: float = Field(description="phase margin at ugbw (deg); 0.0 when there is no ugbw")
    ibias: float = Field(description="the open-loop amplifier's supply current at the operating point, its 30 uA reference included (A)")
    t_settle: float = Field(
        description="unity-gain follower's settling time to 1 % of its input step (TSA 0.4 V, CMA 0.3 V), the slower edge (s)"
    )
