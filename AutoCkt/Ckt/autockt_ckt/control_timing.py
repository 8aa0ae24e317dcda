"""
# The clocked circuits' timing measurements in ngspice's control language: delays, probes, the offset search

`circuits._timing` measures a latch's or a flip-flop's delays on its bench's transient, and
searches its setup (and hold) time with probes, each a transient of the same bench at another
data or clock schedule (`smallest_passing`). An exported testbench does the same in its
`.control` block: its first `run` is the timing run (the testbench's `.param` lines hold that
schedule), and each probe sets the schedule with `alterparam`, `reset`s and `run`s again, as
the server's engine does (`libngspice_engine`). The timing run's plot, `tran1`, holds the
search's state; a probe's delays are computed in the probe's own plot and its outcome copied
back to `tran1`.

`alterparam` takes text, and ngspice writes a vector into a command (`$&v`) with six digits
only, which would move a 100 ps offset by up to 50 fs; so an offset is written as two integers
of at most six digits, in 10 fs and in 1e-20 s (`{a*1e-14+b*1e-20}`): exact to 1e-20 s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .circuits._timing import DELAY_LIMIT, INFORMATIVE, VDD, WINDOW, node
from .control_measurements import first_crossing_lines
from .waveforms import Direction

STATE = "tran1"
"""The timing run's plot, which holds the search's state."""
COARSE, FINE = 1e-14, 1e-20
"""The units of an altered schedule time's two integers."""

Schedule = Callable[[float], Mapping[str, float]]
"""A probe's schedule parameters at an offset, each affine in it (the circuits' `setup_schedule`, `hold_schedule`)."""


def delay_lines(name: str, cause: str, effect: str, direction: Direction, after: str, until: str) -> str:
    """Sets `name` to `_timing.delay` in the current plot (vectors `tt`, its time, and `n`, its length):
    from `cause`'s first crossing of VDD/2 at or after `after` to `effect`'s first crossing after it in
    `direction`, if that comes no later than `until`; `WINDOW` otherwise, and at most."""
    half = f"{VDD / 2!r}"
    return f"""\
{first_crossing_lines("dstart", "tt", node(cause), half, "either", after)}\
{first_crossing_lines("dend", "tt", node(effect), half, direction, "dstart")}\
let {name} = {WINDOW!r}
if (dend >= 0) and (dend <= {until})
  let {name} = min(dend - dstart, {WINDOW!r})
end
"""


def _worst_ratio_lines(causes: Mapping[str, str], after: str) -> str:
    """Sets `ratio` to `_timing.worst_ratio` in the current (a probe's) plot: the larger delay / relaxed delay
    (`rel_r`, `rel_f` of the `STATE` plot) of both copies, or -1 (None) when a Q did not switch or stay switched."""
    half = f"{VDD / 2!r}"
    lines = "let ratio = 0\n"
    copies: tuple[tuple[str, Direction, str], ...] = (("r", "rise", f"> {half}"), ("f", "fall", f"< {half}"))
    for copy, direction, ended in copies:
        lines += f"""\
{delay_lines("d", causes[copy], f"q{copy}", direction, after, "tt[n - 1]")}\
let qend = {node(f"q{copy}")}[n - 1]
if (d >= {WINDOW!r}) or not (qend {ended}) or (ratio < 0)
  let ratio = -1
else
  let ratio = max(ratio, d / {STATE}.rel_{copy})
end
"""
    return lines


def _affine(schedule: Schedule) -> dict[str, tuple[float, int]]:
    """Each schedule parameter as (value at offset 0, its slope in the offset: -1, 0 or 1)."""
    at0, at1 = schedule(0.0), schedule(1.0)
    slopes = {name: at1[name] - value for name, value in at0.items()}
    for name, slope in slopes.items():
        if abs(slope - round(slope)) > 1e-6 or round(slope) not in (-1, 0, 1):
            raise ValueError(f"schedule parameter {name!r} is not the offset plus a constant: slope {slope}")
    return {name: (value, round(slopes[name])) for name, value in at0.items()}


def probe_lines(schedule: Schedule, causes: Mapping[str, str], after: str) -> str:
    """One probe at offset `off` (a vector of the `STATE` plot, its current plot): the bench's transient at
    `schedule(off)`, and its outcome (`_worst_ratio_lines`) as `ratio` in the `STATE` plot, which is current again."""
    lines = ""
    for name, (value, slope) in _affine(schedule).items():
        if slope == 0:
            lines += f"alterparam {name} = {value!r}\n"
            continue
        lines += f"""\
let at = {value!r} + {slope} * off
let coarse = floor(at / {COARSE!r})
let fine = nint((at - coarse * {COARSE!r}) / {FINE!r})
alterparam {name} = {{$&coarse*{COARSE!r}+$&fine*{FINE!r}}}
"""
    return f"""\
{lines}reset
run
set probe = $curplot
let tt = time
let n = length(tt)
{_worst_ratio_lines(causes, after)}setplot {STATE}
let ratio = {{$probe}}.ratio
"""


def smallest_passing_lines(name: str, probe: str, lo: str, hi: str, steps: int, first: str | None = None) -> str:
    """Sets `name` to `_timing.smallest_passing` in the `STATE` plot: the smallest offset in [lo, hi] whose
    probe passes, `probe` being the lines of one probe at `off` (`probe_lines`); the same probes, each
    next offset and the result computed as there (log(ratio - 1) secant steps between informative probes,
    else bisection; the final interpolation)."""
    start = f"({lo} + {hi}) / 2" if first is None else f"min(max({first}, {lo}), {hi})"
    return f"""\
let sfail = {lo}
let spass = {hi}
let fratio = -1
let pratio = -1
let haspass = 0
let hasfail = 0
let ps = 0
let pg = 0
let fs = 0
let fg = 0
let sdone = 0
let {name} = {hi}
let off = {start}
let sstep = 0
while sstep < {steps}
{probe}let passed = 0
if (ratio >= 0) and (ratio <= {DELAY_LIMIT!r})
  let passed = 1
end
if passed = 1
  let spass = off
  let pratio = ratio
else
  let sfail = off
  let fratio = ratio
end
if (ratio >= 0) and (ratio - 1 > {INFORMATIVE!r})
  let g = ln(ratio - 1)
  if passed = 1
    if (haspass = 0) or (off < ps)
      let ps = off
      let pg = g
    end
    let haspass = 1
  else
    if (hasfail = 0) or (off > fs)
      let fs = off
      let fg = g
    end
    let hasfail = 1
  end
end
let valid = 0
if (haspass = 1) and (hasfail = 1)
  let estimate = ps + (ln({DELAY_LIMIT - 1!r}) - pg) * (fs - ps) / (fg - pg)
  if (sfail < estimate) and (estimate < spass)
    let valid = 1
  end
end
if (sstep = {steps - 1}) and (valid = 1)
  let {name} = estimate
  let sdone = 1
end
let off = (sfail + spass) / 2
if valid = 1
  let off = estimate
end
let sstep = sstep + 1
end
if sdone = 0
  let {name} = spass
  if (fratio >= 0) and (pratio >= 0) and (fratio > pratio)
    let {name} = spass - (spass - sfail) * ({DELAY_LIMIT!r} - pratio) / (fratio - pratio)
  end
end
"""
