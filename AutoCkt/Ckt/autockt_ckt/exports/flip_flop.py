"""
# The flip-flop: its bench prints delay and power from the timing run, setup and hold times from its probes

`circuits.flip_flop.measure_flip_flop` in ngspice's language (`control_timing`): the master's
relaxed D-to-QM delays and the clock-to-Q delays of the timing run (the testbench's own
schedule), the supply's average current over one clock period, then, unless a delay is missing
(the 1.5 ns stand-ins), the setup search (four probes) and the hold search (three), each probe a
run of the same testbench with the data's edges moved by `alterparam` to the offset the search
chose after the previous probes, each time computed from their outcomes as the server computes it.
"""

from __future__ import annotations

from ..circuits._timing import EDGE, SUPPLY, VDD, WINDOW
from ..circuits.flip_flop import (
    HOLD_BRACKET,
    HOLD_STEPS,
    MAX_LEAD,
    SETUP_GUESS,
    SETUP_LO,
    SETUP_STEPS,
    T_EDGE,
    T_END,
    T_START,
    ff_sizes,
    hold_schedule,
    setup_schedule,
)
from ..control_measurements import average_lines, control_block
from ..control_timing import STATE, delay_lines, probe_lines, smallest_passing_lines
from ..export_registry import CornerBench, Exportable, nominal_benches, register


def flip_flop_measurements(at: CornerBench) -> str:
    """The `.control` block printing the flip-flop's power, output delay, setup and hold times (module docstring)."""
    edge, end = f"{T_EDGE!r}", f"{T_END!r}"
    clock = {"r": "clk", "f": "clk"}
    setup = smallest_passing_lines(
        "setup_time",
        probe_lines(setup_schedule, clock, edge),
        f"min({SETUP_LO!r} * master, {MAX_LEAD!r})",
        f"{MAX_LEAD!r}",
        SETUP_STEPS,
        f"{SETUP_GUESS!r} * master",
    )
    hold_lo, hold_hi = HOLD_BRACKET
    hold = smallest_passing_lines(
        "hold_time",
        probe_lines(hold_schedule, clock, edge),
        f"max({hold_lo!r} * master, {EDGE - MAX_LEAD + 1e-12!r})",
        f"{hold_hi!r} * master",
        HOLD_STEPS,
    )
    return control_block(
        f"""\
setplot {STATE}
let tt = time
let n = length(tt)
{delay_lines("master_r", "dr", "qmr", "rise", "0", edge)}{delay_lines("master_f", "df", "qmf", "fall", "0", edge)}\
{delay_lines("rel_r", "clk", "qr", "rise", edge, end)}{delay_lines("rel_f", "clk", "qf", "fall", edge, end)}\
let master = max(master_r, master_f)
let output_delay = max(rel_r, rel_f)
let isup = {SUPPLY}
{average_lines("isupply", "tt", "isup", f"{T_START!r}", f"{T_START + 2 * WINDOW!r}")}let power = {VDD!r} * -isupply / 2
let setup_time = {WINDOW!r}
let hold_time = {WINDOW!r}
if (master < {WINDOW!r}) and (output_delay < {WINDOW!r})
{setup}{hold}end
print power
print output_delay
print setup_time
print hold_time
"""
    )


register("flip_flop", Exportable(flip_flop_measurements, nominal_benches("flip_flop"), ff_sizes))
