"""
# The clocked latch: its bench prints delay and power from the timing run, and setup time from its probes

`circuits.latch.measure_latch` in ngspice's language (`control_timing`): the relaxed D-to-Q delays
and the clock-to-Q delays of the timing run (the testbench's own schedule), the supply's average
current from the clock's closing edge to the end, then, unless a relaxed delay is missing (the
1.5 ns stand-in), the setup search: five probes of the same testbench, each with the clock's
closing edge moved by `alterparam` to the offset the search chose after the previous ones, and
the setup time computed from their outcomes as the server computes it.
"""

from __future__ import annotations

from ..circuits._timing import SEARCH_STEPS, SUPPLY, VDD, WINDOW
from ..circuits.latch import SETUP_BRACKET, T_CLOSE, T_END, T_OPEN, setup_schedule
from ..control_measurements import average_lines, control_block
from ..control_timing import STATE, delay_lines, probe_lines, smallest_passing_lines
from ..export_registry import CornerBench, Exportable, nominal_benches, register


def latch_measurements(at: CornerBench) -> str:
    """The `.control` block printing the latch's power, output delay and setup time (module docstring)."""
    lo, hi = SETUP_BRACKET
    probe = probe_lines(setup_schedule, {"r": "dr", "f": "df"}, "0")
    return control_block(
        f"""\
setplot {STATE}
let tt = time
let n = length(tt)
{delay_lines("rel_r", "dr", "qr", "rise", "0", f"{T_CLOSE!r}")}{delay_lines("rel_f", "df", "qf", "fall", "0", f"{T_CLOSE!r}")}\
{delay_lines("cq_r", "clk", "qf", "rise", f"{T_OPEN!r}", f"{T_END!r}")}{delay_lines("cq_f", "clk", "qr", "fall", f"{T_OPEN!r}", f"{T_END!r}")}\
let output_delay = max(cq_r, cq_f)
let isup = {SUPPLY}
let stop = min({T_END!r}, tt[n - 1])
{average_lines("isupply", "tt", "isup", f"{T_CLOSE!r}", "stop")}let power = {VDD!r} * -isupply / 2
let slowest = max(rel_r, rel_f)
let setup_time = {WINDOW!r}
if slowest < {WINDOW!r}
{smallest_passing_lines("setup_time", probe, f"{lo!r} * slowest", f"{hi!r} * slowest", SEARCH_STEPS)}end
print power
print output_delay
print setup_time
"""
    )


register("latch", Exportable(latch_measurements, nominal_benches("latch")))
