"""
# PPAAS's op-amps at their PDK's corners: a testbench per corner prints the six metrics

A corner's testbench is the server's bench of that corner's process section
(`ppaas_opamp_bench`), with its analyses, its supply inlined and its temperature an `.option temp`;
its `.control` block runs them and computes `PpaasOpamp.metrics` in ngspice's language, each in the
plot of its analysis: ugbw and phm from the AC sweep (`control_measurements`), gain and vswing from
the DC sweep's slopes between adjacent points, ibias at the operating point, t_settle from the
follower's transient, each edge as `waveforms.settling_time` measures it (the last exit from 1 % of
the step around the value at the end of the edge's window, interpolated; the window when the
output never settles).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import hdl21.sim as hs

from ..control_measurements import control_block, unity_gain_lines
from ..engine import Bench
from ..export_registry import CornerBench, Exportable, corner_circuit_benches, register
from ..ppaas_opamp_bench import EDGE_S, HOLD_S, OUT_FB, OUT_OL, SETTLE_FRACTION, SUPPLY_OL, ppaas_opamp

EXPORTED = ("ppaas_tsa", "ppaas_cma")
"""The `PpaasOpamp`s exported; each is one `Exportable` of the two functions below."""


def _settling_lines(name: str, edge: float, end: float) -> str:
    """Sets `name` to the settling time of the follower's edge at `edge`, its window ending at `end`."""
    return f"""\
let e0 = {edge!r}
let e1 = {end!r}
let klast = 0
let kfirst = -1
let k = 0
while k < n
  if tt[k] <= e1
    let klast = k
  end
  if (kfirst < 0) and (tt[k] > e0)
    let kfirst = k
  end
  let k = k + 1
end
let final = vv[klast]
let vstart = vv[kfirst - 1] + (vv[kfirst] - vv[kfirst - 1]) / (tt[kfirst] - tt[kfirst - 1]) * (e0 - tt[kfirst - 1])
if tt[kfirst - 1] = e0
  let vstart = vv[kfirst - 1]
end
let found = 0
if abs(vstart - final) > band
  let found = 1
  let ta = e0
  let va = vstart
  let tb = tt[kfirst]
  let vb = vv[kfirst]
end
let k = kfirst
while k < klast
  if abs(vv[k] - final) > band
    let found = 1
    let ta = tt[k]
    let va = vv[k]
    let tb = tt[k + 1]
    let vb = vv[k + 1]
  end
  let k = k + 1
end
let {name} = 0
if found = 1
  let edgev = final - band
  if va > final
    let edgev = final + band
  end
  let {name} = ta + (edgev - va) / (vb - va) * (tb - ta) - e0
end
"""


def measurements(circuit: str) -> Callable[[CornerBench], str]:
    """The `.control` block printing the six metrics of a bench of `circuit` (module docstring)."""
    return lambda at: _measurements(at.bench, ppaas_opamp(circuit).step)


def _measurements(bench: Bench, step: float) -> str:
    tran = next(an for an in bench.run_order if isinstance(an, hs.Tran))
    return control_block(
        f"""\
{unity_gain_lines(f"v({OUT_OL})")}print ugbw
print phm
setplot dc1
let vout = v({OUT_OL})
let sw = v({OUT_OL.rsplit(".", 1)[0]}.vd)
let n = length(vout)
let slopes = abs((vout[1, n - 1] - vout[0, n - 2]) / (sw[1, n - 1] - sw[0, n - 2]))
let gain = vecmax(slopes)
let steep = gain / {math.sqrt(2)!r}
let hi = -1e30
let lo = 1e30
let k = 0
while k < n - 1
  if slopes[k] >= steep
    let hi = max(hi, max(vout[k], vout[k + 1]))
    let lo = min(lo, min(vout[k], vout[k + 1]))
  end
  let k = k + 1
end
let vswing = hi - lo
print gain
print vswing
setplot op1
let ibias = -i({SUPPLY_OL})
print ibias
setplot tran1
let tt = time
let vv = v({OUT_FB})
let n = length(tt)
let band = {SETTLE_FRACTION * 2 * step!r}
{_settling_lines("rise", EDGE_S, EDGE_S + HOLD_S)}{_settling_lines("fall", EDGE_S + HOLD_S, float(tran.tstop))}let t_settle = max(rise, fall)
print t_settle
"""
    )


for _circuit in EXPORTED:
    register(_circuit, Exportable(measurements(_circuit), corner_circuit_benches(_circuit)))
