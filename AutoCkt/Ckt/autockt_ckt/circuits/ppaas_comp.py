"""
# PPAAS's StrongARM comparator (COMP) on gf180mcu, served at a corner set

PPAAS (ICCAD 2025, SeunggeunKimkr/PPAAS at 3c5f88b) sizes it over gf180mcu's 17 corners
(`pdks/corner_sets/gf180mcu_ppaas.py`); its wire types, Rpc `ppaas_comp_sim` and spec ranges are
`autockt_shared.circuits.ppaas_comp`'s. Served only by a server of gf180mcu (404 `not_found`
elsewhere, naming the flag). Served as a `corner_serving.CornerCircuit`: a pool job per process
section's run of corners, all of a design's awaited together so that they spread over the workers; with a target,
skip-on-fail (`corner_evaluation`). Its waveforms (`design_waveforms`) are each corner's clock,
outputs and input-pair drains.

The topology, devices, ranges and stimulus are PPAAS's: a StrongARM latch, 3.3 V devices, NMOS
L = 0.3 um, PMOS L = 0.6 um, NMOS bulks at VSS, PMOS bulks at VDD. An NMOS tail on the clock
(wn1) under an NMOS input pair (wn2) whose drains dn / dp feed a cross-coupled NMOS pair (wn3)
under a cross-coupled PMOS pair (wp1) on outn / outp; PMOS reset switches on the clock pull
outn / outp (wp2) and dn / dp (wp3) to VDD. Design variables: the six widths in um, 0.5-100;
PPAAS's initial point is `INITIAL` (33.3 each).

One bench per process section (its models; the supply and the temperature are run-time values,
so moving between the corners of one section needs no reload): 25 fF on each output, inp and
inn at VDD/2 + and - 50 mV (DC), the clock a 0 -> VDD pulse of period 4 ns, delayed 1.6 ns,
0.4 ns edges, 1.6 ns high; a transient to 9.6 ns, steps at most 20 ps (PPAAS's step).
Against a 1 ps step at reltol 1e-5 both metrics were within 0.15 % (18 design-corners: the
initial point and five random designs at TT, SS 3.0 V 125 C and FF 3.6 V -40 C). About 500
time points: 22-29 ms of CPU per corner (medians of two runs, 102 and 136 design-corners, on a
machine at load 9-13 on 2 cores; p90 32-41 ms), about 0.5 s for the 17.

Metrics (`CompMetrics`), and where they deliberately differ from PPAAS's:
* The temperature is honoured at every corner: PPAAS's decks set it and then reload the circuit
  in a one-pass `mc_source` loop, which drops it, so its -40 and 125 C corners ran at 27 C
  (9 distinct conditions). Here it is a run-time value of the bench (`Bench.temperature`), and
  there is no loop: one deterministic transient, the models' statistics off.
* delay: from the clock's second rising edge crossing VDD/2 to outn's fall through VDD/2 after
  it, interpolated (`waveforms.first_crossing`): the 50 % points a designer times a gate by.
  PPAAS's thresholds are an absolute 0.5 V on both, which times from the foot of the clock's
  edge to the foot of the output's fall (at TT, the initial point: 506.5 ps against 235.4).
  The second cycle, as PPAAS's: the first starts from the operating point, the second from
  what the first left (1.3 % apart in delay at the initial point). The DC inputs give one
  decision, outn falling; the circuit is symmetric and has no mismatch, so the other is its
  mirror image. A
  design whose outn does not fall through VDD/2 before the clock falls back through it (the
  2 ns evaluation phase) gets that window, 2 ns, as its stand-in (PPAAS: 1000 ps, its cap);
  so does one whose decision is not one: an output below 90 % of VDD as the clock starts to
  rise (reset switches too weak to recharge it in the reset phase, so that the next
  evaluation starts part-way down and "decides" in a few ps: a short search found such a
  design, 23 ps at SS 3.0 V 125 C), or outn not below VDD/2 and outp not above it as the
  clock starts to fall (7.6 ns). PPAAS checks neither.
* power: VDD x the supply's average current over one whole clock period, from the start of the
  measured cycle's rising edge (5.6 ns) to the next one's (9.6 ns), in W: the evaluation and
  the whole reset after it. PPAAS's "power" is the charge drawn over 4-8 ns in units of 10 fC,
  not scaled by VDD, and its window ends as the reset begins (the clock falls from 7.6 to 8 ns),
  leaving out part of the outputs' recharge; a negative charge became 150. The clock source's
  own current (the gates of the tail and the reset switches) is the clock driver's, not
  counted (nor is it by PPAAS).
* The devices carry gf180-hdl21's drain and source areas (0.18 um long): their junction
  capacitances count. PPAAS's decks give none. Typed by hand without them and measured with
  PPAAS's definitions, the initial point at TT gives PPAAS's own figures, 452.6 ps and 177.4;
  with them, 506.5 ps and 205.5.

Spec ranges (`PPAAS_COMP`, on the worst case over the 17 corners): delay 150-300 ps, power
0.5-1.5 mW. PPAAS's (100-200 ps, 50-150 x 10 fC) measure other things, and with its own
definitions no design of the survey below came near them (worst case over its 9 conditions:
370 ps at the least, 432 ps at 146). Placed as PPAAS's are, below the initial point (415 ps, 2.40 mW) and
from the reachable to beyond the front: of 120 random designs, 12.5 % meet 300 ps, 3.3 % 1.5
mW, 0.8 % both, none 150 ps or 0.5 mW (best: 209 ps at 2.18 mW, 239 ps at 1.34 mW; 21 % make no
valid decision at some corner); a short local search (60 designs per trade-off, judged at SS
3.0 V 125 C and FF 3.6 V 125 C, the initial point's worst corners) reached 144 ps at 1.81 mW,
216 ps at 0.52 mW and 275 ps at 0.36 mW, worst over all 17.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import hdl21 as h
import hdl21.sim as hs

from autockt_shared.circuits.ppaas_comp import PPAAS_COMP, CompMetrics
from autockt_shared.design_waveforms import FrequencyResponse, Transient

from ..corner_serving import CornerCircuit, section_bench
from ..engine import Bench, SimResult
from ..pdks import Corner, MosSize, Pdk, ProcessCorner
from ..traces import transient
from ..waveforms import average, first_crossing, value_at

PDK = "gf180mcu"

L_N_UM, L_P_UM = 0.3, 0.6
LOAD_CAP = 25e-15
"""On each output."""
INPUT_SPLIT = 0.05
"""Volts either side of VDD/2: inp above, inn below, so that outn falls at every decision."""
PERIOD, CLK_DELAY, CLK_EDGE, CLK_HIGH = 4e-9, 1.6e-9, 0.4e-9, 1.6e-9
MEASURED = 1
"""The clock cycle measured, from 0: the second, as PPAAS's (the first starts from the operating point)."""
RISE = CLK_DELAY + MEASURED * PERIOD
"""When the measured cycle's clock edge starts to rise."""
TSTOP = RISE + PERIOD
TSTEP = 20e-12
"""The transient's largest step (PPAAS's step)."""
WINDOW = CLK_EDGE + CLK_HIGH
"""From the clock's rise at VDD/2 to its fall at VDD/2: the time allowed for a decision, and the delay's stand-in without one."""
RESET = RISE + WINDOW - CLK_EDGE / 2
"""When the clock starts to fall again: the decision must hold until then."""
RESET_LEVEL = 0.9
"""Each output is reset if it is at least this fraction of VDD when the clock starts to rise."""

INITIAL: Mapping[str, float] = PPAAS_COMP.initial_values()
"""PPAAS's initial point, µm."""

CLK, OUTN, OUTP = "v(xtop.clk)", "v(xtop.outn)", "v(xtop.outp)"
SUPPLY = "i(v.xtop.vvdd)"


_DEVICES = (  # name, NMOS (bulk VSS, L 0.3 um) or PMOS (bulk VDD, L 0.6 um), drain, gate, source, width
    ("mtail", True, "t", "clk", "VSS", "wn1"),
    ("minp", True, "dn", "inp", "t", "wn2"),
    ("minn", True, "dp", "inn", "t", "wn2"),
    ("mnxn", True, "outn", "outp", "dn", "wn3"),
    ("mnxp", True, "outp", "outn", "dp", "wn3"),
    ("mpxn", False, "outn", "outp", "VDD", "wp1"),
    ("mpxp", False, "outp", "outn", "VDD", "wp1"),
    ("mrstn", False, "outn", "clk", "VDD", "wp2"),
    ("mrstp", False, "outp", "clk", "VDD", "wp2"),
    ("mrstdn", False, "dn", "clk", "VDD", "wp3"),
    ("mrstdp", False, "dp", "clk", "VDD", "wp3"),
)


@functools.cache
def _comparator(pdk: Pdk) -> h.Module:
    """The StrongARM latch with widths as netlist parameters; ports VDD, VSS, clk, inp, inn, outp, outn."""
    comp = h.Module(name=f"ppaas_comp_{pdk.name}")
    for port in ("VDD", "VSS", "clk", "inp", "inn", "outp", "outn"):
        comp.add(h.Port(name=port))
    for internal in ("t", "dn", "dp"):
        comp.add(h.Signal(name=internal))
    for name, is_nmos, d, g, s, w in _DEVICES:
        device = pdk.nmos(MosSize(w=w, l=L_N_UM)) if is_nmos else pdk.pmos(MosSize(w=w, l=L_P_UM))
        rail = comp.get("VSS" if is_nmos else "VDD")
        comp.add(device(d=comp.get(d), g=comp.get(g), s=comp.get(s), b=rail), name=name)
    return comp


@functools.cache
def comp_bench(pdk: Pdk, process: ProcessCorner) -> Bench:
    """The comparator clocked with `process`'s models, as described in the module docstring; the
    supply (`supply`) and the temperature (`temp_c`) are run-time values, so that every corner of
    a process section is the same netlist (no reload). One per section for the process's life."""
    comp = _comparator(pdk)
    tb = h.Module(name=f"ppaas_comp_tb_{process.section}")
    tb.VSS = h.Port()
    tb.VDD, tb.clk, tb.inp, tb.inn, tb.outp, tb.outn = h.Signals(6)
    tb.vdd = h.Vdc(dc=h.Literal("supply"))(p=tb.VDD, n=tb.VSS)  # netlisted vvdd
    tb.vinp = h.Vdc(dc=h.Literal(f"supply/2+{INPUT_SPLIT!r}"))(p=tb.inp, n=tb.VSS)
    tb.vinn = h.Vdc(dc=h.Literal(f"supply/2-{INPUT_SPLIT!r}"))(p=tb.inn, n=tb.VSS)
    tb.vclk = h.Vpulse(v1=0, v2=h.Literal("supply"), delay=CLK_DELAY, rise=CLK_EDGE, fall=CLK_EDGE, width=CLK_HIGH, period=PERIOD)(
        p=tb.clk, n=tb.VSS
    )
    tb.dut = comp(VDD=tb.VDD, VSS=tb.VSS, clk=tb.clk, inp=tb.inp, inn=tb.inn, outp=tb.outp, outn=tb.outn)
    tb.clp = h.Cap(c=LOAD_CAP)(p=tb.outp, n=tb.VSS)
    tb.cln = h.Cap(c=LOAD_CAP)(p=tb.outn, n=tb.VSS)
    return section_bench(tb.name, tb, pdk, process, INITIAL, pdk.nominal_vdd, [hs.Tran(name="tran", tstop=TSTOP, tstep=TSTEP)])


def comp_metrics(result: SimResult, corner: Corner) -> CompMetrics:
    """`CompMetrics` of a comparator bench's results at `corner`, as the module docstring defines them."""
    tran = result.tran("tran")
    vdd = corner.vdd
    half = vdd / 2
    edge = first_crossing(tran.time, tran.values[CLK], half, "rise", after=RISE)
    if edge is None:
        raise ValueError(f"the clock has no rising edge after {RISE} s: the bench's schedule is broken")
    outn, outp = tran.values[OUTN], tran.values[OUTP]
    decided = first_crossing(tran.time, outn, half, "fall", after=edge)
    reset = min(value_at(tran.time, outn, RISE), value_at(tran.time, outp, RISE)) >= RESET_LEVEL * vdd
    held = value_at(tran.time, outn, RESET) < half < value_at(tran.time, outp, RESET)
    delay = WINDOW if decided is None or not (reset and held) else min(decided - edge, WINDOW)
    return CompMetrics(delay=delay, power=-vdd * average(tran.time, tran.values[SUPPLY], RISE, TSTOP))


def comp_traces(result: SimResult) -> tuple[list[FrequencyResponse], list[Transient]]:
    """What `design_waveforms` shows of a corner: the clock, the outputs and the input pair's drains."""
    nodes = {"clk": "xtop.clk", "outp": "xtop.outp", "outn": "xtop.outn", "dp": "xtop.xdut.dp", "dn": "xtop.xdut.dn"}
    return [], [transient("clocked decisions", result.tran("tran"), {label: f"v({node})" for label, node in nodes.items()})]


COMP: CornerCircuit[CompMetrics] = CornerCircuit(
    optimization=PPAAS_COMP, metrics_type=CompMetrics, bench=comp_bench, metrics=comp_metrics, pdk=PDK, traces=comp_traces
)

SERVED = COMP.served()
