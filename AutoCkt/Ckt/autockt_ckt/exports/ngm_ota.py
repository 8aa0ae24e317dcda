"""
# The negative-gm OTA: its one bench prints the op-amp metrics of its differential output

`circuits.ngm_ota.ngm_metrics` in ngspice's language: the supply current at the operating point;
gain, ugbw and phase margin of v(out.p) - v(out.n) (`control_measurements.unity_gain_lines`); all
three 0 when the output's real part at the sweep's first point is not positive (a latched design).
"""

from __future__ import annotations

from ..circuits.ngm_ota import OUT_N, OUT_P, SUPPLY_SOURCE
from ..control_measurements import control_block, unity_gain_lines
from ..export_registry import CornerBench, Exportable, nominal_benches, register


def ngm_measurements(at: CornerBench) -> str:
    """The `.control` block printing the OTA's metrics (module docstring)."""
    return control_block(
        f"""\
setplot op1
let ibias = -i({SUPPLY_SOURCE})
print ibias
{unity_gain_lines(f"v({OUT_P}) - v({OUT_N})")}let gain = mag[0]
if real(hout[0]) <= 0
  let gain = 0
  let ugbw = 0
  let phm = 0
end
print gain
print ugbw
print phm
"""
    )


register("ngm_ota", Exportable(ngm_measurements, nominal_benches("ngm_ota")))
