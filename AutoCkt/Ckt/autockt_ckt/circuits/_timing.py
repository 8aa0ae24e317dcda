"""
# Timing testbenches of the clocked circuits (latch, flip-flop): stimuli, two copies, the offset search

Shared by `latch.py` and `flip_flop.py` (a module named with `_` is no circuit of its own).

## Two copies, one per data direction
Every bench holds two copies of the circuit under test on one clock: `xr`, whose data rises,
and `xf`, whose data falls (its data source is `xr`'s upside down). One transient thus
measures both output directions at the same clock edges, where a single copy would need a
second clock cycle: the same device evaluations per time point doubled, against twice the
points plus a settling period in between.

## Stimuli and windows
VDD = 1.2 V. CLK, CKB (its exact complement) and the data are pulse sources with 20 ps linear
edges. Each output `q` drives `LOAD_CAP`. Every event is given `WINDOW` = 1.5 ns to happen: a
delay not seen within its window is reported as `WINDOW`, the documented stand-in (no design
that slow meets any target). Times are measured between crossings of VDD/2, interpolated
linearly between time points (`waveforms.py`), of the cause (a clock or data source) and the
output.

## Accuracy and cost
ngspice's default tolerances (reltol 1e-3, trtol 7) left 30-40 ps between time points on an
output edge and were off by up to 4 % in a delay against a 0.5 ps fixed step. `RELTOL` 5e-4
and `TRTOL` 1 shorten the steps where the waveforms bend, that is on the edges, and nowhere
else (in quiet stretches the step is bounded by `tstep`, tstop / 50). `BYPASS` lets BSIM4 skip
re-evaluating a device whose terminal voltages moved less than the tolerances since its last
evaluation (most devices, most of the time: only one side of each latch switches at once).
Measured on random latch designs against the same benches at reltol 1e-5 and a 4.5 ps step
bound: clock-to-Q delays within 0.73 %, setup times within 0.56 %, power within 0.81 % (up to
4.4 % for latches whose Q never follows D, which report the delay stand-ins: their contention
current is what the looser tolerance resolves worst); that is each metric's resolution. The
former reltol 2e-4 without bypass was within 0.3 %, 0.3 % and 0.55 % (2.1 %) for 20 % more
time points and about 25 % more CPU per latch evaluation (measured on one set of 50 random
designs in one sitting: 114 -> 82 ms median over the working ones; 110 -> 97 ms in a second,
more loaded sitting: CPU time per evaluation grows with the machine's load). A larger step
bound in quiet stretches (tstop / 10) saved points but no time, and reltol 1e-3 cut another
20 % of the points but was off by 1.9 % in setup time.

Measured and rejected: several offsets in one transient, as more copies of the circuit on one
clock, each with its own data offset. A transient's time step is the whole circuit's, so every
copy is integrated at the union of all copies' edges: 4 latch pairs at 4 offsets cost 6.5x one
pair's probe (8 pairs: 17x), more than 4 (8) probes one after the other. Also rejected: a
second, shorter bench for the probes (the netlist switch per evaluation cost more than the
shorter quiet tail saved: quiet points are cheap), and leaving one copy quiet once the other
alone decides the search (10 % saved per probe). The cost of an evaluation is its transients
x (about 3 ms for `reset`, the operating point and the first steps, plus about 0.12 ms per
time point of a latch pair, 0.27 ms of a flip-flop pair, on the loaded machine), and most
points sit on the edges, 60-100 per probe: the latch's 6 transients cost 80-100 ms of CPU, the
flip-flop's 8 200-250 ms (they were 6 and 11 transients, 110 and 500-560 ms).

## The offset search (setup and hold)
A setup (hold) time is the smallest data-to-clock (clock-to-data) offset at which every copy's
output still switches within 105 % of its relaxed delay and stays switched to the end of the
probe (CktGym's criterion: the delay grows past 105 %, or the output fails to switch). The
probe bench takes the offset as a netlist parameter; `smallest_passing` searches a bracket
scaled to the circuit's own relaxed delays (taking its low end to fail, its high end to pass)
in a fixed number of probes, one transient each. Both copies are probed at once, so the
result is the worse of the two data directions.

Where the delays drift smoothly as the offset shrinks (a flip-flop's setup: its master's
output settles later and later, and the slave's delay follows), log(ratio - 1) is nearly
linear in the offset, so once the bracket has an informative probe on each side (a ratio
above 1.002, clear of the tolerances' noise; the failing one switched, late) the next probe
goes where the line through them crosses log(0.05), and so does the result after the last
probe. Measured on twelve flip-flops against a 10-probe bisection: four such probes, the
first at a guess scaled to the master's delay, within 2.3 % (mean 0.85 %, mostly low); five
bisection probes within 1.1 % (mean 0.57 %), three secant probes within 22 %, and the
Illinois rule (an end kept twice counts half) made four probes worse (7 %). Where the ratio jumps instead (a latch's, from
about 1.00 to a failure within 5 % of its relaxed delay; a flip-flop's hold), the bracket
rarely has an informative failing probe and the search bisects: its resolution is the
bracket's width / 2^probes, refined by interpolating the ratio linearly between the last
failing and passing probes when the failing one switched too. Secant steps with one probe
fewer were tried on the latch: off by up to 4.5 %, against 0.5 % for five bisection probes.
Hand-written because no root finder takes a pass/fail outcome whose failures have no value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import hdl21 as h
import hdl21.sim as hs

from autockt_shared.design_waveforms import Transient

from ..engine import Bench, TranResult
from ..settings import Settings
from ..traces import transient
from ..waveforms import Direction, first_crossing, value_at

VDD = 1.2
EDGE = 20e-12
"""Rise and fall time of every stimulus (linear ramps)."""
WINDOW = 1.5e-9
"""Time allowed for every event; also the stand-in of a delay that does not happen in it."""
LOAD_CAP = 20e-15
"""On each output: about the input of an inverter of 6 NMOS and 12 PMOS units of this card (1.15 fF each)."""
RELTOL = 5e-4
TRTOL = 1
BYPASS = 1
DELAY_LIMIT = 1.05
"""A probe fails once a delay exceeds this multiple of its relaxed value (CktGym's 105 %)."""
SEARCH_STEPS = 5
"""Probes per search unless a circuit says otherwise: a bisection resolves its bracket to 1/32 of its width (before interpolation)."""
INFORMATIVE = 2e-3
"""A probe's delay ratio is informative for a secant step above 1 + this (below it, the tolerances' noise)."""
FOREVER = 1.0
"""A pulse width longer than any transient here: that pulse has one edge."""

Run = Callable[[Mapping[str, float]], TranResult]
"""A bench's transient at given parameter values (sizes and schedule)."""

SUPPLY = "i(v.xtop.vvdd)"
COPIES = ("r", "f")
"""Suffixes of the two copies: data rising, data falling."""


def node(name: str) -> str:
    """The vector name of testbench signal `name`."""
    return f"v(xtop.{name})"


@dataclass(frozen=True)
class Pulse:
    """One pulse source's timing: its first edge at `delay`, its second `width` + `EDGE` later,
    repeating every `period`; each a number (s) or a netlist expression of the bench's
    parameters (braced, e.g. "{5e-11+s}")."""

    delay: float | str
    width: float | str = FOREVER
    period: float | str = 2 * FOREVER

    def source(self, v1: float, v2: float) -> h.Instantiable:
        return h.Vpulse(
            v1=v1,
            v2=v2,
            delay=_scalar(self.delay),
            rise=EDGE,
            fall=EDGE,
            width=_scalar(self.width),
            period=_scalar(self.period),
        )


def _scalar(value: float | str) -> float | h.Literal:
    return h.Literal(value) if isinstance(value, str) else value


def copies_bench(
    name: str,
    dut: h.Module,
    clk: Pulse,
    clk_starts_high: bool,
    data: Pulse,
    observed: Sequence[str],
    tstop: float,
    tstep: float,
    params: Mapping[str, float],
    settings: Settings,
    extra: Sequence[hs.SimAttr] = (),
) -> Bench:
    """A bench of two copies of `dut` (ports VDD, VSS, D, CLK, CKB, Q and the outputs
    `observed`, which appear as testbench signals `<port>r` / `<port>f`), one transient `tran`.

    `data` drives `xr`'s D from 0 V (its first edge rises) and `xf`'s from VDD. `params` are
    the netlist parameters (sizes and offsets) with placeholder values; `extra`, more
    simulation attributes (an initial condition).
    """
    tb = h.Module(name=f"{name}_tb")
    tb.VSS = h.Port()
    tb.VDD, tb.clk, tb.ckb = h.Signal(), h.Signal(), h.Signal()
    tb.vdd = h.Vdc(dc=VDD)(p=tb.VDD, n=tb.VSS)
    high, low = (VDD, 0.0) if clk_starts_high else (0.0, VDD)
    tb.vclk = clk.source(high, low)(p=tb.clk, n=tb.VSS)
    tb.vckb = clk.source(low, high)(p=tb.ckb, n=tb.VSS)
    for copy, (v1, v2) in zip(COPIES, ((0.0, VDD), (VDD, 0.0)), strict=True):
        d = tb.add(h.Signal(name=f"d{copy}"))
        tb.add(data.source(v1, v2)(p=d, n=tb.VSS), name=f"vd{copy}")
        outputs = {port: tb.add(h.Signal(name=f"{port.lower()}{copy}")) for port in ("Q", *observed)}
        tb.add(h.Cap(c=LOAD_CAP)(p=outputs["Q"], n=tb.VSS), name=f"cl{copy}")
        tb.add(dut(VDD=tb.VDD, VSS=tb.VSS, D=d, CLK=tb.clk, CKB=tb.ckb, **outputs), name=f"x{copy}")
    sim = hs.Sim(
        tb=tb,
        attrs=[
            hs.Include(settings.model_path),
            hs.Options(name="num_threads", value=1),  # ngspice's 2 BSIM4 threads slow parallel workers 4-25x
            hs.Options(name="reltol", value=RELTOL),
            hs.Options(name="trtol", value=TRTOL),
            hs.Options(name="bypass", value=BYPASS),
            *(hs.Param(name=p, val=v) for p, v in params.items()),
            *extra,
            hs.Tran(tstop=tstop, tstep=tstep, name="tran"),
        ],
    )
    return Bench(name=name, sim=sim, params=tuple(params))


def timing_transient(tran: TranResult, outputs: Sequence[str]) -> Transient:
    """A timing run as `design_waveforms` shows it: the clock, then each copy's data and `outputs`
    (port names: `Q`, `QM`), labelled by copy (`D rising`, `Q rising`, ...)."""
    vectors = {"CLK": node("clk")}
    for copy, direction in zip(COPIES, ("rising", "falling"), strict=True):
        vectors |= {f"{port} {direction}": node(f"{port.lower()}{copy}") for port in ("D", *outputs)}
    return transient("timing run", tran, vectors)


def delay(tran: TranResult, cause: str, effect: str, direction: Direction, after: float, until: float) -> float:
    """Time from `cause` crossing VDD/2 (first crossing at or after `after`) to `effect`
    crossing VDD/2 in `direction` after it, if that happens before `until`; else `WINDOW`."""
    start = first_crossing(tran.time, tran.values[node(cause)], VDD / 2, after=after)
    if start is None:
        raise ValueError(f"stimulus {cause!r} has no edge after {after} s: the bench's schedule is broken")
    end = first_crossing(tran.time, tran.values[node(effect)], VDD / 2, direction, after=start)
    return WINDOW if end is None or end > until else min(end - start, WINDOW)


def ended_at(tran: TranResult, signal: str, high: bool) -> bool:
    """Whether `signal` ends the transient on the expected side of VDD/2."""
    final = value_at(tran.time, tran.values[node(signal)], float(tran.time[-1]))
    return final > VDD / 2 if high else final < VDD / 2


def worst_ratio(tran: TranResult, causes: Mapping[str, str], after: float, relaxed: Mapping[str, float]) -> float | None:
    """A probe's outcome: the largest delay / relaxed delay over both copies (Q rising in `xr`,
    falling in `xf`, each from its cause's edge after `after`), or None if a copy's Q did not
    switch within its window or did not stay switched to the end."""
    worst = 0.0
    for copy, direction, high in (("r", "rise", True), ("f", "fall", False)):
        d = delay(tran, causes[copy], f"q{copy}", direction, after, until=float(tran.time[-1]))  # type: ignore[arg-type]
        if d >= WINDOW or not ended_at(tran, f"q{copy}", high):
            return None
        worst = max(worst, d / relaxed[copy])
    return worst


def smallest_passing(
    probe: Callable[[float], float | None],
    lo: float,
    hi: float,
    steps: int = SEARCH_STEPS,
    first: float | None = None,
) -> float:
    """The smallest offset in [lo, hi] whose probe passes (its worst delay ratio at most
    `DELAY_LIMIT`), taking `hi` to pass and `lo` to fail, in `steps` probes (see the module
    docstring): the first at `first` (default: the middle), each next where log(ratio - 1)
    reaches log(DELAY_LIMIT - 1) on the line through the nearest informative probes on either
    side, if there are such, else in the middle of the bracket. The result is that crossing
    after the last probe, or without it the linear interpolation of the ratio between the
    last failing and passing probes (when the failing one switched, late), or the lowest
    passing probe; `hi` if none passed."""
    fail, passing = lo, hi
    fail_ratio: float | None = None
    pass_ratio: float | None = None
    passes: list[tuple[float, float]] = []  # informative probes: (offset, log(ratio - 1))
    fails: list[tuple[float, float]] = []
    offset = (lo + hi) / 2 if first is None else min(max(first, lo), hi)
    for step in range(steps):
        ratio = probe(offset)
        passed = ratio is not None and ratio <= DELAY_LIMIT
        if passed:
            passing, pass_ratio = offset, ratio
        else:
            fail, fail_ratio = offset, ratio
        if ratio is not None and ratio - 1 > INFORMATIVE:
            (passes if passed else fails).append((offset, math.log(ratio - 1)))
        estimate = _crossing(passes, fails)
        if estimate is not None and not fail < estimate < passing:
            estimate = None
        if step == steps - 1 and estimate is not None:
            return estimate
        offset = (fail + passing) / 2 if estimate is None else estimate
    if fail_ratio is not None and pass_ratio is not None and fail_ratio > pass_ratio:
        return passing - (passing - fail) * (DELAY_LIMIT - pass_ratio) / (fail_ratio - pass_ratio)
    return passing


def _crossing(passes: Sequence[tuple[float, float]], fails: Sequence[tuple[float, float]]) -> float | None:
    """Where log(ratio - 1) reaches log(DELAY_LIMIT - 1) on the line through the nearest passing
    and the nearest failing informative probe (offset, log(ratio - 1)); None without both."""
    if not passes or not fails:
        return None
    (s1, g1), (s2, g2) = min(passes), max(fails)  # g2 > log(DELAY_LIMIT - 1) >= g1
    return s1 + (math.log(DELAY_LIMIT - 1) - g1) * (s2 - s1) / (g2 - g1)
