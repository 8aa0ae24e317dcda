"""
# Measurements in ngspice's control language that more than one exported testbench prints

An exported testbench computes its metrics in a `.control` block exactly as the server computes
them in Python from the same analyses (`metrics`, `waveforms`), so that `ngspice -b` prints the
values a sizing reported; a definition several circuits share is written once here.
"""

from __future__ import annotations

import hdl21.sim as hs

from .engine import Bench
from .export_registry import ExportRefused


def unity_gain_lines(bench: Bench, out: str) -> str:
    """Runs the bench's AC sweep and sets `ugbw` and `phm` of the output `out` (an expression of the AC plot's
    vectors, e.g. `v(xtop.out)`) as `metrics.unity_gain_crossing` does:
    where |v| first falls through 1, interpolated linearly in log|v| over log f, and the continuous phase at the
    same fraction of the step; the sweep's last point when it never falls through 1 (0, 0 when it starts below
    1), and a margin of 0 above 180 degrees. Leaves `hout` (the output) and `mag` (|hout|) in the AC plot."""
    ac = next(an for an in bench.run_order if isinstance(an, hs.Ac))
    sweep = ac.sweep
    if not isinstance(sweep, hs.LogSweep):
        raise ExportRefused(f"bench {bench.name!r}: its AC sweep is a {type(sweep).__name__}, not a logarithmic one")
    return f"""\
ac dec {int(sweep.npts)} {float(sweep.start)!r} {float(sweep.stop)!r}
let hout = {out}
let mag = mag(hout)
let phase = cph(hout) * 180 / pi
let logf = log10(real(frequency))
let n = length(mag)
let ugbw = 0
let phm = 0
if mag[n - 1] >= 1
  let ugbw = real(frequency[n - 1])
  let phm = 180 + phase[n - 1]
end
let k = 0
while k < n - 1
  if (mag[k] >= 1) and (mag[k + 1] < 1)
    let t = log10(mag[k]) / (log10(mag[k]) - log10(mag[k + 1]))
    let ugbw = 10 ^ (logf[k] + t * (logf[k + 1] - logf[k]))
    let phm = 180 + phase[k] + t * (phase[k + 1] - phase[k])
    break
  end
  let k = k + 1
end
if phm > 180
  let phm = 0
end
"""
