"""
# The master-slave flip-flop (CktGym's `flip_flop_sim`): two latches, positive-edge triggered

The master is `latch.latch("l1_")` with CLK and CKB swapped (transparent while CLK is low),
its Q the slave's D; the slave, `latch.latch("l2_")`, is transparent while CLK is high and
drives Q (and the 20 fF load). The master's output is observed as port QM. Sizes are the
netlist parameters `l1_w1` .. `l2_w10`, from `FlipFlopInput.l1` and `.l2`.

## Testbench and metrics (see `_timing.py` for stimuli, windows, accuracy and the search)
One bench `flip_flop` of two copies (data rising in `xr`, falling in `xf`), its data schedule
set by netlist parameters, run once for timing and once per setup or hold probe; 3.35 ns.
CLK starts low (the master transparent, so the operating point gives QM = D) and rises once,
at `T_EDGE` = 1.55 ns, the measured edge. The opaque slave is bistable at t = 0, so an
initial condition (`.ic`) sets each Q opposite its copy's coming data.

Timing run: the data switch at 100 ps, 1.45 ns before the edge.
* output_delay: the worse of the two clock-to-Q delays (Q rising in `xr`, falling in `xf`).
* power: VDD x the average supply current from 50 ps to 3.05 ns (one 3 ns clock period: the
  master's transparent phase with one data change, then the slave's with one output
  transition), per flip-flop.
* the master's relaxed D-to-QM delays (the larger: `master`), the scale of the searches.

Setup probe: the data switch `s` before the edge.
* setup_time: the smallest `s` at which both clock-to-Q delays stay within 105 % of their
  relaxed values and Q stays switched, searched in [0.3 x master, 1.45 ns]. The delays drift
  long before capture fails (the slave's floating internal nodes see QM settle later), so the
  bracket reaches up to the timing run's own offset, where they are relaxed by definition, and
  the drift is smooth enough for secant steps: four probes, the first at 1.15 x master (the
  setup times of the flip-flops measured lie at 1.0-1.3 x it). Measured on twelve flip-flops
  against a 10-probe bisection: within 2.3 % (mean 0.85 %, mostly low), that is its resolution.

Hold probe: the data switch 1.45 ns before the edge and switch back `h` after it.
* hold_time: the smallest `h` at which both clock-to-Q delays stay within 105 % and Q keeps the
  captured value, searched in [-master, 0.3 x master]. A data change `-h` before the edge is a
  setup test of the opposite value, so hold times are mostly negative. The delay ratio jumps
  from about 1.00 to a failure here, so the search bisects, in three probes (hold_time is no
  spec): its resolution is 1.3 x master / 8, about 40-100 ps; measured against a 9-probe
  bisection, within 36 ps on five flip-flops.

An evaluation is thus 8 transients (it was 11: five probes per search, and a falling clock
edge after the measured one): see `_timing.py` for the cost.

When a relaxed delay is missing (an output does not follow within 1.5 ns), setup and hold
times are the 1.5 ns stand-in, without a search.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import hdl21 as h
import hdl21.sim as hs

from autockt_shared.circuits.flip_flop import FLIP_FLOP, FlipFlopInput, FlipFlopOutput
from autockt_shared.design_waveforms import CornerWaveforms

from ..engine import Bench
from ..served import ServedCircuit
from ..settings import Settings
from ..traces import at_nominal
from ..waveforms import average
from ._timing import (
    EDGE,
    FOREVER,
    SUPPLY,
    VDD,
    WINDOW,
    Pulse,
    Run,
    copies_bench,
    delay,
    node,
    smallest_passing,
    timing_transient,
    worst_ratio,
)
from .latch import latch, latch_sizes

if TYPE_CHECKING:
    from ..simulator import Simulator

BENCH = "flip_flop"

T_START = 50e-12
T_EDGE = T_START + WINDOW
_T_DATA = T_START + 50e-12
T_END = T_EDGE + 1.2 * WINDOW
MAX_LEAD = T_EDGE - _T_DATA
"""The timing run's data-to-clock offset (1.45 ns), where the delays are relaxed by definition."""
SETUP_LO = 0.3
"""The setup search's bracket: [0.3 x the master's larger relaxed D-to-QM delay, `MAX_LEAD`]."""
SETUP_GUESS = 1.15
"""The setup search's first probe, in units of the master's delay: setup times of surveyed flip-flops lie at 1.0-1.3 x it."""
SETUP_STEPS = 4
"""Probes of the setup search (secant steps: see `_timing.py`)."""
HOLD_BRACKET = (-1.0, 0.3)
"""The hold search's bracket, in units of the master's delay."""
HOLD_STEPS = 3
"""Probes of the hold search: hold_time is reported, not a spec, so it is resolved more coarsely than setup_time."""
_CLOCK = Pulse(delay=T_EDGE)
"""One rising edge, the measured one; no falling edge after it (the master reopening would cost a sixth of the points for nothing measured)."""
_INITIAL_STATE = f".ic {node('qr')}=0 {node('qf')}={VDD!r}"
"""The slaves' state at t = 0 (CLK low: opaque, bistable), set where D will not: each Q opposite its copy's new data."""
TIMING = dict(data_delay=_T_DATA, data_width=FOREVER)


def setup_schedule(s: float) -> dict[str, float]:
    """A setup probe's schedule at offset `s`; public, as the exported testbench probes alike (`exports/flip_flop.py`)."""
    return dict(data_delay=T_EDGE - s, data_width=FOREVER)


def hold_schedule(h: float) -> dict[str, float]:
    """A hold probe's schedule at offset `h` (as `setup_schedule`)."""
    return dict(data_delay=_T_DATA, data_width=MAX_LEAD + h - EDGE)


@functools.cache
def flip_flop() -> h.Module:
    """The flip-flop: ports VDD, VSS, D, CLK, CKB, Q and QM (the master's output)."""
    module = h.Module(name="flip_flop")
    for port in ("VDD", "VSS", "D", "CLK", "CKB"):
        module.add(h.Input(name=port))
    module.add(h.Output(name="Q"))
    module.add(h.Output(name="QM"))
    VDD, VSS, D, CLK, CKB = (module.get(port) for port in ("VDD", "VSS", "D", "CLK", "CKB"))
    module.add(latch("l1_")(VDD=VDD, VSS=VSS, D=D, CLK=CKB, CKB=CLK, Q=module.QM), name="master")
    module.add(latch("l2_")(VDD=VDD, VSS=VSS, D=module.QM, CLK=CLK, CKB=CKB, Q=module.Q), name="slave")
    return module


def ff_sizes(inp: FlipFlopInput) -> dict[str, Any]:
    """The netlist parameters `l1_w1` .. `l2_w10` of `inp`."""
    return {**latch_sizes(inp.l1, "l1_"), **latch_sizes(inp.l2, "l2_")}


def flip_flop_benches(settings: Settings) -> list[Bench]:
    """One bench for the timing run and every probe (the data schedule is its parameters), so an
    evaluation never makes ngspice load another circuit."""
    return [
        copies_bench(
            name=BENCH,
            dut=flip_flop(),
            clk=_CLOCK,
            clk_starts_high=False,
            data=Pulse(delay="{data_delay}", width="{data_width}"),
            observed=("QM",),
            tstop=T_END,
            tstep=T_END / 50,
            params={**ff_sizes(FLIP_FLOP.initial_input()), **TIMING},
            extra=(hs.Literal(_INITIAL_STATE),),
            settings=settings,
        )
    ]


def evaluate_flip_flop(sim: Simulator, inp: FlipFlopInput) -> FlipFlopOutput:
    return measure_flip_flop(lambda values: sim.run(BENCH, values).tran("tran"), ff_sizes(inp))


def measure_flip_flop(run: Run, sizes: Mapping[str, float]) -> FlipFlopOutput:
    """The metrics of the flip-flop of `sizes`, simulated by `run` (the bench's transient for
    given parameter values: the served engine, or a reference netlist in the tests)."""
    tran = run({**sizes, **TIMING})
    master = max(
        delay(tran, "dr", "qmr", "rise", after=0.0, until=T_EDGE),
        delay(tran, "df", "qmf", "fall", after=0.0, until=T_EDGE),
    )
    relaxed = {
        "r": delay(tran, "clk", "qr", "rise", after=T_EDGE, until=T_END),
        "f": delay(tran, "clk", "qf", "fall", after=T_EDGE, until=T_END),
    }
    power = VDD * -average(tran.time, tran.values[SUPPLY], T_START, T_START + 2 * WINDOW) / 2
    clock_to_q = max(relaxed.values())
    if master >= WINDOW or clock_to_q >= WINDOW:
        return FlipFlopOutput(power=power, output_delay=clock_to_q, setup_time=WINDOW, hold_time=WINDOW)
    clock = {"r": "clk", "f": "clk"}

    def probe(schedule: dict[str, float]) -> float | None:
        return worst_ratio(run({**sizes, **schedule}), clock, after=T_EDGE, relaxed=relaxed)

    setup = smallest_passing(
        lambda s: probe(setup_schedule(s)), min(SETUP_LO * master, MAX_LEAD), MAX_LEAD, SETUP_STEPS, SETUP_GUESS * master
    )
    hold_lo, hold_hi = (k * master for k in HOLD_BRACKET)
    hold = smallest_passing(lambda h: probe(hold_schedule(h)), max(hold_lo, EDGE - MAX_LEAD + 1e-12), hold_hi, HOLD_STEPS)
    return FlipFlopOutput(power=power, output_delay=clock_to_q, setup_time=setup, hold_time=hold)


def flip_flop_waveforms(sim: Simulator, inp: FlipFlopInput) -> CornerWaveforms:
    """The timing run's waveforms, the master's output too (`design_waveforms`); its metrics need the probes too."""
    tran = sim.run(BENCH, {**ff_sizes(inp), **TIMING}).tran("tran")
    return CornerWaveforms(ac=[], transients=[timing_transient(tran, ("QM", "Q"))], metrics=None)


SERVED = ServedCircuit(
    optimization=FLIP_FLOP, benches=flip_flop_benches, evaluate=evaluate_flip_flop, waveforms=at_nominal(flip_flop_waveforms)
)
