"""
# Measurements in ngspice's control language that more than one exported testbench prints

An exported testbench computes its metrics in a `.control` block exactly as the server computes
them in Python from the same analyses (`metrics`, `waveforms`), so that `ngspice -b` prints the
values a sizing reported; a definition several circuits share is written once here.
"""

from __future__ import annotations

from .waveforms import Direction


def control_block(body: str) -> str:
    """A testbench's `.control` block: 12 digits printed, the testbench's own analysis lines run (`run`, as the
    engines run them; ngspice names their plots `ac1`, `dc1`, `op1`, `tran1`, one analysis of each kind, which
    `body` selects with `setplot`), `body`, then `quit`: without it `ngspice -b` exits 1 after the block."""
    return f".control\nset numdgt = 12\nrun\n{body}quit\n.endc\n"


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


def value_at_lines(name: str, time: str, values: str, t: str) -> str:
    """Sets `name` to `values` at time `t` (inside the span), interpolated linearly as `waveforms.value_at`
    (`np.interp`) does; `time` and `values` are vectors of the current plot, `n` their length."""
    return f"""\
let j = 0
let k = 0
while k < n - 1
  if {time}[k + 1] <= {t}
    let j = k + 1
  end
  let k = k + 1
end
let {name} = {values}[n - 1]
if j < n - 1
  let {name} = {values}[j] + ({t} - {time}[j]) * ({values}[j + 1] - {values}[j]) / ({time}[j + 1] - {time}[j])
end
"""


def first_crossing_lines(name: str, time: str, values: str, level: str, direction: Direction, after: str) -> str:
    """Sets `name` to the first time at or after `after` that `values` crosses `level` in `direction` (a fall:
    from above to at or below; a rise: from below to at or above), interpolated as `waveforms.first_crossing`;
    -1 if none. The crossings come in time order, so the scan stops at the first one found."""
    rise = f"({values}[k] < {level}) and ({values}[k + 1] >= {level})"
    fall = f"({values}[k] > {level}) and ({values}[k + 1] <= {level})"
    crossed = {"rise": rise, "fall": fall, "either": f"({rise}) or ({fall})"}[direction]
    return f"""\
let {name} = -1
let k = 0
while k < n - 1
  if {crossed}
    let tc = {time}[k] + ({level} - {values}[k]) / ({values}[k + 1] - {values}[k]) * ({time}[k + 1] - {time}[k])
    if tc >= {after}
      let {name} = tc
      break
    end
  end
  let k = k + 1
end
"""


def average_lines(name: str, time: str, values: str, start: str, stop: str) -> str:
    """Sets `name` to the mean of `values` over [start, stop] by the trapezoidal rule, the window's edges
    interpolated, as `waveforms.average` does (`stop` no later than the last time point)."""
    return f"""\
{value_at_lines("avstart", time, values, start)}{value_at_lines("avstop", time, values, stop)}let acc = 0
let tp = {start}
let vp = avstart
let k = 0
while k < n
  if ({time}[k] > {start}) and ({time}[k] < {stop})
    let acc = acc + ({time}[k] - tp) * (vp + {values}[k]) / 2
    let tp = {time}[k]
    let vp = {values}[k]
  end
  let k = k + 1
end
let acc = acc + ({stop} - tp) * (vp + avstop) / 2
let {name} = acc / ({stop} - {start})
"""
