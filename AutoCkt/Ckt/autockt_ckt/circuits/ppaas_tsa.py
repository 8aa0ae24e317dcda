"""
# PPAAS's two-stage op-amp (TSA) on gf180mcu, served at a corner set

PPAAS (ICCAD 2025, SeunggeunKimkr/PPAAS at 3c5f88b) sizes it over gf180mcu's 17 corners
(`pdks/corner_sets/gf180mcu_ppaas.py`); its wire types, Rpc `ppaas_tsa_sim` and spec ranges are
`autockt_shared.circuits.ppaas_tsa`'s. Served only by a server of gf180mcu (404 `not_found`
elsewhere, naming the flag). A call is a pool job per corner (`at_corner`), all of a design's corners awaited
together so that they spread over the workers; with a target, skip-on-fail
(`corner_evaluation`). The topology, devices, ranges and testbench are PPAAS's: an NMOS differential pair (bulks at the tail)
with a PMOS mirror load, a PMOS common-source second stage with an NMOS sink, Miller
capacitor `cc` from the first stage's output to the output, 30 uA into an NMOS bias diode;
every device L = 0.3 um, 3.3 V devices. Design variables (µm, pF): wp1 (mirror), wn1 (pair),
wp3 (second stage), wn3 (tail), wn4 (bias diode), wn5 (sink), cc; ranges 0.5-100 µm and
0.1-10 pF; PPAAS's initial point is `INITIAL`.

One bench per process section (its models; the supply and the temperature are run-time values,
so moving between the corners of one section needs no reload): an
open-loop copy (inputs VDD/2 +- vin/2 through VCVSs, 10 pF load, AC 1 on vin) and a
unity-gain follower (500 pF load) stepped from VDD/2 - 0.2 V to VDD/2 + 0.2 V at 1 us (1 ps
edges), held 200 us, and back. Analyses: operating point, AC 1 Hz-10 GHz (10 per decade), DC
sweep of vin -1..+1 mV in 10 uV steps, transient to 401 us (steps at most 1 us).

Metrics (`TsaMetrics`), and where they deliberately differ from PPAAS's:
* gain: the largest |dVout/dVin| between adjacent points of the DC sweep (PPAAS's).
* vswing: the range of the output over the sweep intervals whose slope is at least gain/sqrt(2),
  both ends of each interval (PPAAS takes the left end only). Like PPAAS's, it is measured
  within the +-1 mV sweep: an offset beyond 1 mV leaves the high-gain region outside it.
* ugbw, phm: the project's definitions (`metrics.unity_gain_crossing`): the first unity-gain
  crossing, interpolated in log |H| over log f, and 180 + the unwrapped phase there; no
  crossing gives 0, 0 (PPAAS: Brent's method on a spline, which may return a later crossing,
  and 1 Hz / -180).
* ibias: the open-loop amplifier's supply current at the operating point, its 30 uA reference
  included: each copy has its own supply source (PPAAS's ibias counts both copies and both
  references).
* t_settle: for each edge, the time from the edge until the output stays within 1 % of the
  step (4 mV) of its own value at the end of the window, interpolated; the larger of the two
  (PPAAS's band is 1 % of the absolute level around the input's level, so that an offset
  above 1 % never settles, and its time resolution is the 1 us sample).
  An edge that does not settle within its window gives the window (200 us).
* The multiplier is honoured and the models' statistics are off (`pdks/kits/gf180mcu.py`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import math
from collections.abc import Mapping, Sequence

import hdl21 as h
import hdl21.sim as hs
import numpy as np

from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA, TsaInput, TsaMetrics, TsaOutput

from ..corner_evaluation import CORNER_SIMULATIONS, CornerEvaluation, evaluate_corners
from ..engine import Bench, Engine, SimResult
from ..metrics import unity_gain_crossing
from ..pdks import Corner, MosSize, Pdk, ProcessCorner, pdk
from ..served import JobRunner, ServedCircuit
from ..settings import Settings
from ..simulator import Simulator
from ..waveforms import settling_time

PDK = "gf180mcu"

L_UM = 0.3
IBIAS = 30e-6
LOAD_CAP = 10e-12
FOLLOWER_CAP = 500e-12
STEP = 0.2
"""Volts either side of VDD/2: the follower's input step."""
EDGE_S, HOLD_S, TSTOP_S, TSTEP_S = 1e-6, 200e-6, 401e-6, 1e-6
SWEEP_V, SWEEP_STEP_V = 1e-3, 10e-6
SETTLE_FRACTION = 0.01

PARAMS = tuple(param.name for param in PPAAS_TSA.params)
INITIAL: Mapping[str, float] = PPAAS_TSA.initial_values()
"""PPAAS's initial point: widths in µm, cc in pF."""
SENSES = {spec.name: spec.sense for spec in PPAAS_TSA.metrics}

OUT_OL, OUT_FB = "xtop.out_ol", "xtop.out_fb"
SUPPLY_OL = "v.xtop.vvdd_ol"
VIN = "v.xtop.vvin"


@functools.cache
def _amplifier(pdk: Pdk) -> h.Module:
    """The TSA with sizes as netlist parameters; ports VDD, VSS, inp, inn, out, nb (the bias diode)."""

    def nmos(w: str) -> h.Instantiable:
        return pdk.nmos(MosSize(w=w, l=L_UM))

    def pmos(w: str) -> h.Instantiable:
        return pdk.pmos(MosSize(w=w, l=L_UM))

    amp = h.Module(name=f"ppaas_tsa_{pdk.name}")
    amp.VDD, amp.VSS, amp.inp, amp.inn, amp.out, amp.nb = h.Ports(6)
    amp.d1, amp.o1, amp.tail = h.Signals(3)
    amp.mp1 = pmos("wp1")(d=amp.d1, g=amp.d1, s=amp.VDD, b=amp.VDD)
    amp.mp2 = pmos("wp1")(d=amp.o1, g=amp.d1, s=amp.VDD, b=amp.VDD)
    amp.mn1 = nmos("wn1")(d=amp.d1, g=amp.inn, s=amp.tail, b=amp.tail)
    amp.mn2 = nmos("wn1")(d=amp.o1, g=amp.inp, s=amp.tail, b=amp.tail)
    amp.mn3 = nmos("wn3")(d=amp.tail, g=amp.nb, s=amp.VSS, b=amp.VSS)
    amp.mn4 = nmos("wn4")(d=amp.nb, g=amp.nb, s=amp.VSS, b=amp.VSS)
    amp.mp3 = pmos("wp3")(d=amp.out, g=amp.o1, s=amp.VDD, b=amp.VDD)
    amp.mn5 = nmos("wn5")(d=amp.out, g=amp.nb, s=amp.VSS, b=amp.VSS)
    amp.cc = h.Cap(c=h.Literal("{cc*1e-12}"))(p=amp.o1, n=amp.out)  # braces: an expression, not a model name
    return amp


@functools.cache
def tsa_bench(pdk: Pdk, process: ProcessCorner) -> Bench:
    """The open-loop copy and the follower with `process`'s models, as described in the module
    docstring; the supply (`supply`) and the temperature (`temp_c`) are run-time values, so that
    every corner of a process section is the same netlist (no reload). One per section for the
    process's life (Hdl21 keeps every module it generates)."""
    amp = _amplifier(pdk)
    tb = h.Module(name=f"ppaas_tsa_tb_{process.section}")
    tb.VSS = h.Port()
    tb.VDD_OL, tb.VDD_FB, tb.vd, tb.vcm, tb.inp, tb.inn, tb.out_ol, tb.nb_ol = h.Signals(8)
    tb.step, tb.out_fb, tb.nb_fb = h.Signals(3)
    tb.vdd_ol = h.Vdc(dc=h.Literal("supply"))(p=tb.VDD_OL, n=tb.VSS)  # netlisted vvdd_ol
    tb.vdd_fb = h.Vdc(dc=h.Literal("supply"))(p=tb.VDD_FB, n=tb.VSS)
    # open loop: vin (AC 1, swept in DC) split around VDD/2
    tb.vin = h.Vdc(dc=0, ac=1)(p=tb.vd, n=tb.VSS)
    tb.vcm_src = h.Vdc(dc=h.Literal("supply/2"))(p=tb.vcm, n=tb.VSS)
    tb.einp = h.Vcvs(gain=0.5)(p=tb.inp, n=tb.vcm, cp=tb.vd, cn=tb.VSS)
    tb.einn = h.Vcvs(gain=-0.5)(p=tb.inn, n=tb.vcm, cp=tb.vd, cn=tb.VSS)
    tb.iref_ol = h.Idc(dc=IBIAS)(p=tb.VDD_OL, n=tb.nb_ol)
    tb.ol = amp(VDD=tb.VDD_OL, VSS=tb.VSS, inp=tb.inp, inn=tb.inn, out=tb.out_ol, nb=tb.nb_ol)
    tb.cl_ol = h.Cap(c=LOAD_CAP)(p=tb.out_ol, n=tb.VSS)
    # unity-gain follower, stepped up at EDGE_S and down HOLD_S later
    tb.vstep_src = h.Vpulse(
        v1=h.Literal(f"supply/2-{STEP!r}"),
        v2=h.Literal(f"supply/2+{STEP!r}"),
        delay=EDGE_S,
        rise=1e-12,
        fall=1e-12,
        width=HOLD_S,
        period=2 * TSTOP_S,
    )(p=tb.step, n=tb.VSS)
    tb.iref_fb = h.Idc(dc=IBIAS)(p=tb.VDD_FB, n=tb.nb_fb)
    tb.fb = amp(VDD=tb.VDD_FB, VSS=tb.VSS, inp=tb.step, inn=tb.out_fb, out=tb.out_fb, nb=tb.nb_fb)
    tb.cl_fb = h.Cap(c=FOLLOWER_CAP)(p=tb.out_fb, n=tb.VSS)
    conditions = {"supply": pdk.nominal_vdd, "temp_c": 27.0}
    sim = hs.Sim(
        tb=tb,
        attrs=[
            *pdk.models(process),
            hs.Options(name="num_threads", value=1),
            *(hs.Param(name=p, val=v) for p, v in {**INITIAL, **conditions}.items()),
            hs.Op(name="op"),
            hs.Ac(name="ac", sweep=hs.LogSweep(1.0, 10e9, 10)),
            hs.Dc(name="dc", var=VIN, sweep=hs.LinearSweep(-SWEEP_V, SWEEP_V, SWEEP_STEP_V)),
            hs.Tran(name="tran", tstop=TSTOP_S, tstep=TSTEP_S),
        ],
    )
    return Bench(name=tb.name, sim=sim, params=(*PARAMS, *conditions), ngbehavior=pdk.ngbehavior, temperature="temp_c")


def tsa_metrics(result: SimResult) -> TsaMetrics:
    """`TsaMetrics` of a TSA bench's results, as the module docstring defines them."""
    dc = result.dc("dc")
    vout = dc.values[f"v({OUT_OL})"]
    slopes = np.abs(np.diff(vout) / np.diff(dc.sweep))
    gain = float(slopes.max())
    steep = np.flatnonzero(slopes >= gain / math.sqrt(2))
    ends = np.concatenate([vout[steep], vout[steep + 1]])
    ac = result.ac("ac")
    h_out = ac.values[f"v({OUT_OL})"]
    mag = np.maximum(np.abs(h_out), np.finfo(float).tiny)
    ugbw, phm = unity_gain_crossing(ac.freq, mag, np.degrees(np.unwrap(np.angle(h_out))))
    tran = result.tran("tran")
    return TsaMetrics(
        gain=gain,
        vswing=float(ends.max() - ends.min()),
        ugbw=ugbw,
        phm=phm,
        ibias=-result.op("op")[f"i({SUPPLY_OL})"],
        t_settle=max(
            _settling(tran.time, tran.values[f"v({OUT_FB})"], EDGE_S, EDGE_S + HOLD_S),
            _settling(tran.time, tran.values[f"v({OUT_FB})"], EDGE_S + HOLD_S, TSTOP_S),
        ),
    )


def _settling(time: np.ndarray, values: np.ndarray, edge: float, end: float) -> float:
    """Time from `edge` until the output stays within 1 % of the step of its value at `end`;
    the window's length if it does not."""
    inside = time <= end
    t, v = time[inside], values[inside]
    settled = settling_time(t, v, edge, float(v[-1]), SETTLE_FRACTION * 2 * STEP)
    return end - edge if settled is None else settled


def evaluate_at(engine: Engine, pdk: Pdk, corner: Corner, values: Mapping[str, float]) -> TsaMetrics:
    """The TSA's metrics at `corner` for the design `values` (µm, pF)."""
    return tsa_metrics(engine.run(tsa_bench(pdk, corner.process), {**values, "supply": corner.vdd, "temp_c": corner.temp_c}))


def evaluate_corner_set(
    engine: Engine, pdk: Pdk, corners: Sequence[Corner], values: Mapping[str, float], target: Mapping[str, float] | None = None
) -> CornerEvaluation:
    """The design `values` at each of `corners` in turn, in this process, and its worst case per
    spec; with a `target`, skip-on-fail (`corner_evaluation`)."""

    async def at(corner: Corner) -> dict[str, float]:
        return dataclasses.asdict(evaluate_at(engine, pdk, corner, values))

    return asyncio.run(evaluate_corners(at, corners, SENSES, target))


def at_corner(sim: Simulator, values: Mapping[str, float], corner: Corner) -> dict[str, float]:
    """A pool job: the design at one corner (plain floats: the cheapest reply to pickle)."""
    return dataclasses.asdict(evaluate_at(sim.engine, pdk(PDK), corner, values))


async def serve(run: JobRunner, inp: TsaInput) -> TsaOutput:
    """A call: each corner its own job, so that a design's corners, and those of every call at
    once, spread over the pool's workers; the corner set is resolved here, where the PDK is."""
    values = {name: getattr(inp, name) for name in PARAMS}
    target = None if inp.target is None else dataclasses.asdict(inp.target)

    async def at(corner: Corner) -> dict[str, float]:
        return await run(at_corner, values, corner)

    result = await evaluate_corners(at, pdk(PDK).corner_set(inp.corner_set), SENSES, target)
    CORNER_SIMULATIONS.labels(PPAAS_TSA.name).inc(result.simulations)
    return TsaOutput(
        corners={name: TsaMetrics(**metrics) for name, metrics in result.per_corner.items()},
        worst=TsaMetrics(**result.worst),
        skipped=result.skipped,
        simulations=result.simulations,
    )


def benches(settings: Settings) -> list[Bench]:
    """One bench per process section: each corner's job finds its section's loaded."""
    kit = pdk(PDK)
    return [tsa_bench(kit, process) for process in kit.processes]


SERVED = ServedCircuit(optimization=PPAAS_TSA, benches=benches, serve=serve, pdk=PDK)
