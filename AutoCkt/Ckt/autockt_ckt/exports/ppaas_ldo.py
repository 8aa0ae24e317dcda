"""
# PPAAS's LDO on sky130 at its corners: a testbench per corner prints vdrop, PSRR and phase margins

`circuits.ppaas_ldo.ldo_metrics` in ngspice's language, on the corner's operating point and AC
sweep: vdrop from the full-load copy's regulated output; per load, the worst PSRR of each band
(the largest |vout / vdd| in it, in dB below 0) and the phase margin of the loop gain, which
Tian's formula gives from the voltage- and current-injected copies
(`control_measurements.unity_gain_lines`; 0 when its real part at the lowest frequency is not
positive).
"""

from __future__ import annotations

from ..circuits.ppaas_ldo import BANDS, LOADS, VREF, node_name
from ..control_measurements import control_block, unity_gain_lines
from ..export_registry import CornerBench, Exportable, corner_circuit_benches, register


def _load_lines(load: str) -> str:
    """PSRR per band and the loop's phase margin at `load`, printed (in the AC plot)."""
    probe = {s: (f"v(xtop.{node_name('x', load, s)})", f"i(v.xtop.v{node_name('vinj', load, s)})") for s in "vi"}
    (v_v, i_v), (v_i, i_i) = probe["v"], probe["i"]
    bands = "".join(
        f"""\
let worst = 0
let k = 0
while k < length(hs)
  if (real(frequency[k]) >= {lo * (1 - 1e-9)!r}) and (real(frequency[k]) <= {hi * (1 + 1e-9)!r})
    let worst = max(worst, hs[k])
  end
  let k = k + 1
end
let psrr_{load}_{band} = -20 * log10(max(worst, 2.2250738585072014e-308))
print psrr_{load}_{band}
"""
        for band, (lo, hi) in BANDS.items()
    )
    return f"""\
setplot ac1
let hs = mag(v(xtop.{node_name("out", load)}))
{bands}let d = 2 * ({i_v} * {v_i} - {v_v} * {i_i}) + {v_v} + {i_i}
let loop_{load} = d / (1 - d)
{unity_gain_lines(f"loop_{load}")}if real(hout[0]) <= 0
  let phm = 0
end
let phm_{load} = phm
print phm_{load}
"""


def ldo_measurements(at: CornerBench) -> str:
    """The `.control` block printing the LDO's metrics at `at`'s supply (module docstring)."""
    return control_block(
        f"""\
setplot op1
let vdrop = {at.vdd!r} - {VREF!r} + abs({VREF!r} - v(xtop.{node_name("out", "full")}))
print vdrop
{"".join(_load_lines(load) for load in LOADS)}"""
    )


register("ppaas_ldo", Exportable(ldo_measurements, corner_circuit_benches("ppaas_ldo")))
