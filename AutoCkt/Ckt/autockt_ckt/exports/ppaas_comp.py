"""
# PPAAS's comparator at gf180mcu's corners: a testbench per corner prints its delay and power

`circuits.ppaas_comp.comp_metrics` in ngspice's language, on the corner's transient: the clock's
rising edge through VDD/2 after the measured cycle starts, outn's first fall through VDD/2 after
it, the delay between them (the evaluation window when outn does not fall, when an output has not
recharged to 90 % of VDD as the cycle starts, or when the decision has not held as the clock
falls), and VDD times the supply's average current over the measured clock period.
"""

from __future__ import annotations

from ..circuits.ppaas_comp import CLK, OUTN, OUTP, RESET, RESET_LEVEL, RISE, SUPPLY, TSTOP, WINDOW
from ..control_measurements import average_lines, control_block, first_crossing_lines, value_at_lines
from ..export_registry import CornerBench, Exportable, corner_circuit_benches, register


def comp_measurements(at: CornerBench) -> str:
    """The `.control` block printing the comparator's delay and power at `at`'s supply (module docstring)."""
    vdd = at.vdd
    assert vdd is not None
    half = f"{vdd / 2!r}"
    return control_block(
        f"""\
setplot tran1
let tt = time
let clk = {CLK}
let outn = {OUTN}
let outp = {OUTP}
let isup = {SUPPLY}
let n = length(tt)
{first_crossing_lines("edge", "tt", "clk", half, "rise", f"{RISE!r}")}{first_crossing_lines("decided", "tt", "outn", half, "fall", "edge")}\
{value_at_lines("n_rise", "tt", "outn", f"{RISE!r}")}{value_at_lines("p_rise", "tt", "outp", f"{RISE!r}")}\
{value_at_lines("n_reset", "tt", "outn", f"{RESET!r}")}{value_at_lines("p_reset", "tt", "outp", f"{RESET!r}")}\
let delay = {WINDOW!r}
if (decided >= 0) and (min(n_rise, p_rise) >= {RESET_LEVEL * vdd!r}) and (n_reset < {half}) and ({half} < p_reset)
  let delay = min(decided - edge, {WINDOW!r})
end
let stop = min({TSTOP!r}, tt[n - 1])
{average_lines("isupply", "tt", "isup", f"{RISE!r}", "stop")}let power = -{vdd!r} * isupply
print delay
print power
"""
    )


register("ppaas_comp", Exportable(comp_measurements, corner_circuit_benches("ppaas_comp")))
