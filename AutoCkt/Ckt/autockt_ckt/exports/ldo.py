"""
# The 45 nm LDO: its large-signal testbench sources the AC bench and prints every field of `LdoOutput`

`circuits.ldo.ldo_metrics` in ngspice's language, on the two benches the server runs: `ldo_tb.sp`
(the `ldo` bench: the DC line sweep and the load-step transient) runs its own analyses, then
loads `ldo_ac_tb.sp` (the `ldo_ac` bench: three regulators, one operating point, one AC sweep)
with `source` and runs it, first priming BSIM4.5's model check with an operating point whose
plot it drops, as the server's engine does when it switches benches (`libngspice_engine`: a
circuit whose first model was the previous circuit's last is otherwise not checked, off by up
to 1 %). Then, from the four plots: dropout, line_reg from the sweep (nearest sweep points, the
2 % fall interpolated); vout, vout_error, load_reg, iq at the operating point; overshoot,
undershoot and settling on the transient's windows (edges interpolated, as `waveforms`); loop
gain, ugbw and phase margin of each load's return ratio (`control_measurements.unity_gain_lines`;
phm 0 when its real part at 1 Hz is not positive), the worse of the two; PSRR at the sweep points
nearest 10 kHz and 1 MHz.
"""

from __future__ import annotations

import dataclasses
import sys

from autockt_shared.circuits.ldo import LdoOutput

from ..circuits.ldo import (
    DROPOUT_FALL,
    F_PSRR_HF,
    F_PSRR_LF,
    I_MAX,
    I_MIN,
    LINE_REG_HI,
    LINE_REG_LO,
    SETTLE_BAND,
    T_DELAY,
    T_EDGE,
    T_WINDOW,
    VDD,
    VOUT,
)
from ..control_measurements import control_block, unity_gain_lines, value_at_lines
from ..export_registry import CornerBench, Exportable, nominal_benches, register, sourced_file

TINY = sys.float_info.min
"""The smallest normal double, the floor of a magnitude taken in dB (`np.finfo(float).tiny`)."""
_RETURN = T_DELAY + T_EDGE + T_WINDOW
"""When the load returns to full: the end of the release's window, the start of the return's."""


def _nearest_lines(name: str, values: str, target: str) -> str:
    """Sets `name` to the index of the first element of `values` (a vector of length `n`) nearest `target` (`np.argmin`)."""
    return f"""\
let {name} = 0
let best = abs({values}[0] - {target})
let k = 1
while k < n
  if abs({values}[k] - {target}) < best
    let best = abs({values}[k] - {target})
    let {name} = k
  end
  let k = k + 1
end
"""


def _extreme_lines(name: str, extreme: str, start: str, stop: str) -> str:
    """Sets `name` to the `extreme` (`max` or `min`) of `vv` over [start, stop] of time `tt`, its edges
    interpolated (`waveforms.extrema`)."""
    return f"""\
{value_at_lines("ea", "tt", "vv", start)}{value_at_lines("eb", "tt", "vv", stop)}let {name} = {extreme}(ea, eb)
let k = 0
while k < n
  if (tt[k] > {start}) and (tt[k] < {stop})
    let {name} = {extreme}({name}, vv[k])
  end
  let k = k + 1
end
"""


def _settling_lines(name: str, start: str, stop: str, final: str) -> str:
    """Sets `name` to `circuits.ldo._settling`: when `vv` enters `final` +- the band for good after `start`,
    among the points up to `stop`, the last exit interpolated (`waveforms.settling_time`); the window
    (`T_WINDOW`) when it is outside at the last of them, or later."""
    return f"""\
let last = 0
let k = 0
while k < n
  if tt[k] <= {stop}
    let last = k
  end
  let k = k + 1
end
{value_at_lines("sv", "tt", "vv", start)}let found = 0
let pending = 0
if abs(sv - {final}) > {SETTLE_BAND!r}
  let found = 1
  let pending = 1
  let ta = {start}
  let va = sv
end
let k = 0
while k <= last
  if ((tt[k] > {start}) and (tt[k] < tt[last])) or (k = last)
    if pending = 1
      let tb = tt[k]
      let vb = vv[k]
      let pending = 0
    end
    if abs(vv[k] - {final}) > {SETTLE_BAND!r}
      let found = 1
      let pending = 1
      let ta = tt[k]
      let va = vv[k]
    end
  end
  let k = k + 1
end
let {name} = 0
if pending = 1
  let {name} = {T_WINDOW!r}
else
  if found = 1
    let edge = {final} - {SETTLE_BAND!r}
    if va > {final}
      let edge = {final} + {SETTLE_BAND!r}
    end
    let {name} = min(ta + (edge - va) / (vb - va) * (tb - ta) - {start}, {T_WINDOW!r})
  end
end
"""


def _loop_lines(suffix: str) -> str:
    """|T| at 1 Hz, ugbw and phase margin of the return ratio of regulator `suffix`, as `lg<suffix>` ... (in the AC plot)."""
    return f"""\
{unity_gain_lines(f"-v(xtop.fb{suffix}) / v(xtop.fbi{suffix})")}if real(hout[0]) <= 0
  let phm = 0
end
let lg{suffix} = mag[0]
let ugbw{suffix} = ugbw
let phm{suffix} = phm
"""


def _psrr_lines(name: str, frequency: float) -> str:
    """Sets `name` to the rejection in dB at the AC point nearest `frequency` (log scale), from `hsup` = |vout / vdd|."""
    return f"""\
let decades = log10(real(frequency) / {frequency!r})
{_nearest_lines("ipsrr", "decades", "0")}let {name} = -20 * log10(max(hsup[ipsrr], {TINY!r}))
"""


def ldo_measurements(at: CornerBench) -> str:
    """The `.control` block printing every field of the LDO's output (module docstring)."""
    (small,) = at.sourced
    half_span = f"{LINE_REG_HI - LINE_REG_LO!r}"
    prints = "".join(f"print {field.name}\n" for field in dataclasses.fields(LdoOutput))
    return control_block(
        f"""\
source {sourced_file(small, at)}
op
destroy $curplot
run
setplot dc1
let sw = "v-sweep"
let vl = v(xtop.out)
let n = length(sw)
{_nearest_lines("ilo", "sw", f"{LINE_REG_LO!r}")}{_nearest_lines("ihi", "sw", f"{LINE_REG_HI!r}")}\
let line_reg = abs(vl[ihi] - vl[ilo]) / {half_span}
{_nearest_lines("inom", "sw", f"{VDD!r}")}let limit = {1 - DROPOUT_FALL!r} * vl[inom]
let ib = -1
let k = 0
while k <= inom
  if vl[k] < limit
    let ib = k
  end
  let k = k + 1
end
let dropout = sw[0] - vl[0]
if ib >= 0
  let t = (limit - vl[ib]) / (vl[ib + 1] - vl[ib])
  let dropout = sw[ib] + t * (sw[ib + 1] - sw[ib]) - limit
end
setplot op1
let vout = v(xtop.out_light)
let vfull = v(xtop.out_full)
let vout_error = max(abs(vout - {VOUT!r}), abs(vfull - {VOUT!r}))
let load_reg = abs(vout - vfull) / {I_MAX - I_MIN!r}
let iq = -i(v.xtop.vvdd_light) - {I_MIN!r}
setplot tran1
let tt = time
let vv = v(xtop.out)
let n = length(tt)
let tend = tt[n - 1]
{_extreme_lines("peak", "max", f"{T_DELAY!r}", f"{_RETURN!r}")}let overshoot = max(peak - op1.vfull, 0)
{_extreme_lines("dip", "min", f"{_RETURN!r}", "tend")}let undershoot = max(op1.vout - dip, 0)
{_settling_lines("released", f"{T_DELAY!r}", f"{_RETURN!r}", "op1.vout")}\
{_settling_lines("returned", f"{_RETURN!r}", "tend", "op1.vfull")}let settling = max(released, returned)
setplot ac1
{_loop_lines("_light")}{_loop_lines("_full")}let loop_gain = min(lg_light, lg_full)
let ugbw = min(ugbw_light, ugbw_full)
let phm = min(phm_light, phm_full)
let hsup = mag(v(xtop.out_psrr))
let n = length(hsup)
{_psrr_lines("psrr_lf", F_PSRR_LF)}{_psrr_lines("psrr_hf", F_PSRR_HF)}\
let vout = op1.vout
let vout_error = op1.vout_error
let load_reg = op1.load_reg
let iq = op1.iq
let dropout = dc1.dropout
let line_reg = dc1.line_reg
let undershoot = tran1.undershoot
let overshoot = tran1.overshoot
let settling = tran1.settling
{prints}"""
    )


register("ldo", Exportable(ldo_measurements, nominal_benches("ldo")))
