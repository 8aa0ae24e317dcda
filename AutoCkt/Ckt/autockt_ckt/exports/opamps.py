"""
# The AutoCkt op-amps: their bench prints gain, ugbw, phase margin and supply current

`two_stage_opamp` and `folded_cascode` share `opamp_testbench`, and so does the two-stage op-amp
on sky130 at its corners (`two_stage_opamp_sky130`), so one `.control` block serves all three.
"""

from __future__ import annotations

from ..control_measurements import control_block, unity_gain_lines
from ..export_registry import CornerBench, Exportable, corner_circuit_benches, nominal_benches, register
from ..opamp_testbench import OUTPUT_NODE, SUPPLY_SOURCE


def opamp_measurements(at: CornerBench) -> str:
    """The `.control` block of an op-amp bench: `metrics.opamp_metrics` in ngspice's own language: the
    supply current at the operating point, the gain at the AC sweep's first point, ugbw and phase margin as
    `control_measurements.unity_gain_lines` computes them."""
    return control_block(
        f"""\
{unity_gain_lines(f"v({OUTPUT_NODE})")}let gain = mag[0]
print gain
print ugbw
print phm
setplot op1
let ibias = -i({SUPPLY_SOURCE})
print ibias
"""
    )


for _circuit in ("two_stage_opamp", "folded_cascode"):
    register(_circuit, Exportable(opamp_measurements, nominal_benches(_circuit)))
register("two_stage_opamp_sky130", Exportable(opamp_measurements, corner_circuit_benches("two_stage_opamp_sky130")))
