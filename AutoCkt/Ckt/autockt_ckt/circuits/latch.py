"""
# The clocked CMOS latch (CktGym's `latch_sim`), transparent while CLK is high

| device | type | drain | gate | source | bulk | size |
| --- | --- | --- | --- | --- | --- | --- |
| input inverter n | nmos | QB | D | clk_gnd | VSS | w1 |
| input inverter p | pmos | QB | D | ckb_vdd | VDD | w2 |
| feedback inverter n | nmos | QB | Q | ckb_gnd | VSS | w3 |
| feedback inverter p | pmos | QB | Q | clk_vdd | VDD | w4 |
| output inverter n | nmos | Q | QB | VSS | VSS | w5 |
| output inverter p | pmos | Q | QB | VDD | VDD | w6 |
| header on CLK | pmos | clk_vdd | CLK | VDD | VDD | w7 |
| header on CKB | pmos | ckb_vdd | CKB | VDD | VDD | w8 |
| footer on CKB | nmos | ckb_gnd | CKB | VSS | VSS | w9 |
| footer on CLK | nmos | clk_gnd | CLK | VSS | VSS | w10 |

Fixed from CktGym: it tied each bulk to its source, which on the stacked devices of a bulk
process would need isolated wells; here every NMOS bulk is VSS and every PMOS bulk VDD, as in
a standard cell. Sizes are netlist parameters (`<prefix>w1` ...), so the flip-flop instantiates
two latches with their own.

## Testbench and metrics (see `_timing.py` for stimuli, windows, accuracy and the search)
One bench `latch` of two copies (data rising in `xr`, falling in `xf`), clock starting high
(the latch transparent, so the operating point is the state D sets, not one of a bistable
pair), its schedule set by netlist parameters, run once for timing and once per setup probe:

Timing run, 4.55 ns: at 50 ps the data switch (transparent: relaxed D-to-Q delays); at
1.55 ns CLK falls (the latch holds); at 2.3 ns the data switch back (held: nothing moves); at
3.05 ns CLK rises and each Q follows D: the clock-to-Q delays.
* output_delay: the worse of the two clock-to-Q delays (Q rising in `xf`, falling in `xr`).
* power: VDD x the average supply current from 1.55 ns to the end (one 3 ns clock period:
  a closing edge, a data change, an opening edge and one output transition per latch), per latch.

Setup probe: the data switch at 50 ps while transparent and CLK falls `s` later, for good.
* setup_time: the smallest `s` at which both D-to-Q delays stay within 105 % of their relaxed
  values and Q stays switched, searched in [0.3, 1.1] x the larger relaxed D-to-Q delay (past
  that, Q has switched before the clock closes; 0.3 is below every setup of a survey of
  random designs, 0.40 at the least), in 5 probes: the delay ratio jumps from about 1.00 to
  a failure, so the search bisects, to 0.025 x that delay before interpolation (measured on
  14 random designs: within 0.53 % of a 9-probe bisection, 1.6 % for one 1 ns setup time). When a relaxed D-to-Q delay is missing (Q does
  not follow D within 1.5 ns), setup_time is the 1.5 ns stand-in without a search.

An evaluation is thus 6 transients, one bench (no netlist switch); see `_timing.py` for the
tolerances, the cost and what was tried to lower it.

Hold time is not measured: the flip-flop's hold is its master latch's, measured there.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import hdl21 as h

from autockt_shared.circuits.latch import LATCH, LatchInput, LatchOutput
from autockt_shared.design_waveforms import CornerWaveforms

from ..engine import Bench
from ..pdk import nmos, pmos, sized
from ..served import ServedCircuit
from ..settings import Settings
from ..traces import at_nominal
from ..waveforms import average
from ._timing import EDGE, FOREVER, SUPPLY, VDD, WINDOW, Pulse, Run, copies_bench, delay, smallest_passing, timing_transient, worst_ratio

if TYPE_CHECKING:
    from ..simulator import Simulator

BENCH = "latch"
SIZES = tuple(f"w{i}" for i in range(1, 11))

_T_DATA = 50e-12
T_CLOSE = _T_DATA + WINDOW
_T_DATA_BACK = T_CLOSE + WINDOW / 2
T_OPEN = T_CLOSE + WINDOW
T_END = T_OPEN + WINDOW
SETUP_BRACKET = (0.3, 1.1)
"""The setup search's bracket, in units of the larger relaxed D-to-Q delay."""
TIMING = dict(clk_delay=T_CLOSE, clk_width=WINDOW - EDGE, data_delay=_T_DATA, data_width=_T_DATA_BACK - _T_DATA - EDGE)
"""The schedule of the timing run; a setup probe's: `setup_schedule(s)`."""


def setup_schedule(s: float) -> dict[str, float]:
    """A setup probe's schedule at offset `s`; public, as the exported testbench probes alike (`exports/latch.py`)."""
    return dict(clk_delay=_T_DATA + s, clk_width=FOREVER, data_delay=_T_DATA, data_width=FOREVER)


_DEVICES = (  # name, device, drain, gate, source, bulk, size
    ("in_n", nmos, "QB", "D", "clk_gnd", "VSS", "w1"),
    ("in_p", pmos, "QB", "D", "ckb_vdd", "VDD", "w2"),
    ("fb_n", nmos, "QB", "Q", "ckb_gnd", "VSS", "w3"),
    ("fb_p", pmos, "QB", "Q", "clk_vdd", "VDD", "w4"),
    ("out_n", nmos, "Q", "QB", "VSS", "VSS", "w5"),
    ("out_p", pmos, "Q", "QB", "VDD", "VDD", "w6"),
    ("head_clk", pmos, "clk_vdd", "CLK", "VDD", "VDD", "w7"),
    ("head_ckb", pmos, "ckb_vdd", "CKB", "VDD", "VDD", "w8"),
    ("foot_ckb", nmos, "ckb_gnd", "CKB", "VSS", "VSS", "w9"),
    ("foot_clk", nmos, "clk_gnd", "CLK", "VSS", "VSS", "w10"),
)


@functools.cache
def latch(prefix: str = "") -> h.Module:
    """The latch (ports VDD, VSS, D, CLK, CKB, Q), its device multipliers the netlist
    parameters `<prefix>w1` .. `<prefix>w10`; one module per prefix, named after it."""
    module = h.Module(name=f"latch_{prefix}" if prefix else "latch")
    for port in ("VDD", "VSS", "D", "CLK", "CKB"):
        module.add(h.Input(name=port))
    module.add(h.Output(name="Q"))
    for internal in ("QB", "clk_vdd", "ckb_vdd", "ckb_gnd", "clk_gnd"):
        module.add(h.Signal(name=internal))
    for name, device, d, g, s, b, size in _DEVICES:
        conns = {port: module.get(signal) for port, signal in zip("dgsb", (d, g, s, b), strict=True)}
        module.add(sized(device, prefix + size)(**conns), name=name)
    return module


def latch_sizes(inp: LatchInput, prefix: str = "") -> dict[str, Any]:
    """The netlist parameters `<prefix>w1` .. of `inp`."""
    return {f"{prefix}{size}": getattr(inp, size) for size in SIZES}


def latch_benches(settings: Settings) -> list[Bench]:
    """One bench for the timing run and the setup probes alike (the schedule is its parameters),
    so an evaluation never makes ngspice load another circuit."""
    return [
        copies_bench(
            name=BENCH,
            dut=latch(),
            clk=Pulse(delay="{clk_delay}", width="{clk_width}"),
            clk_starts_high=True,
            data=Pulse(delay="{data_delay}", width="{data_width}"),
            observed=(),
            tstop=T_END,
            tstep=T_END / 50,
            params={**latch_sizes(LATCH.initial_input()), **TIMING},
            settings=settings,
        )
    ]


def evaluate_latch(sim: Simulator, inp: LatchInput) -> LatchOutput:
    return measure_latch(lambda values: sim.run(BENCH, values).tran("tran"), latch_sizes(inp))


def measure_latch(run: Run, sizes: Mapping[str, float]) -> LatchOutput:
    """The metrics of the latch of `sizes`, simulated by `run` (the bench's transient for
    given parameter values: the served engine, or a reference netlist in the tests)."""
    tran = run({**sizes, **TIMING})
    relaxed = {
        "r": delay(tran, "dr", "qr", "rise", after=0.0, until=T_CLOSE),
        "f": delay(tran, "df", "qf", "fall", after=0.0, until=T_CLOSE),
    }
    clock_to_q = max(
        delay(tran, "clk", "qf", "rise", after=T_OPEN, until=T_END),
        delay(tran, "clk", "qr", "fall", after=T_OPEN, until=T_END),
    )
    power = VDD * -average(tran.time, tran.values[SUPPLY], T_CLOSE, T_END) / 2

    def probe(s: float) -> float | None:
        probe_tran = run({**sizes, **setup_schedule(s)})
        return worst_ratio(probe_tran, {"r": "dr", "f": "df"}, after=0.0, relaxed=relaxed)

    slowest = max(relaxed.values())
    lo, hi = (k * slowest for k in SETUP_BRACKET)
    setup = WINDOW if slowest >= WINDOW else smallest_passing(probe, lo, hi)
    return LatchOutput(power=power, output_delay=clock_to_q, setup_time=setup)


def latch_waveforms(sim: Simulator, inp: LatchInput) -> CornerWaveforms:
    """The timing run's waveforms (`design_waveforms`); its metrics need the setup probes too."""
    tran = sim.run(BENCH, {**latch_sizes(inp), **TIMING}).tran("tran")
    return CornerWaveforms(ac=[], transients=[timing_transient(tran, ("Q",))], metrics=None)


SERVED = ServedCircuit(optimization=LATCH, benches=latch_benches, evaluate=evaluate_latch, waveforms=at_nominal(latch_waveforms))
