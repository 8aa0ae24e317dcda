"""
# Measurements in ngspice's control language that more than one exported testbench prints

An exported testbench computes its metrics in a `.control` block exactly as the server computes
them in Python from the same analyses (`metrics`, `waveforms`), so that `ngspice -b` prints the
values a sizing reported; a definition several circuits share is written once here.
"""

from __future__ import annotations

RUN = "run"
"""Runs the testbench's own analysis lines, as the engines run them; ngspice names their plots `ac1`, `dc1`,
`op1`, `tran1` (one analysis of each kind), which `setplot` selects."""


def unity_gain_lines(out: str) -> str:
    """Sets `ugbw` and `phm` of the output `out` (an expression of the AC plot's vectors, e.g. `v(xtop.out)`)
    in the AC plot `ac1`, as `metrics.unity_gain_crossing` does:
    where |v| first falls through 1, interpolated linearly in log|v| over log f, and the continuous phase at the
    same fraction of the step; the sweep's last point when it never falls through 1 (0, 0 when it starts below
    1), and a margin of 0 above 180 degrees. Leaves `hout` (the output) and `mag` (|hout|) in the AC plot."""
    return f"""\
setplot ac1
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
