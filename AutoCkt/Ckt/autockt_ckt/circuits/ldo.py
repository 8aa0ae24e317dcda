"""
# The low-dropout regulator (`ldo_sim`): generator, testbenches and metrics

## The circuit
CktGym's topology (Settaluri's thesis, Fig. 2.10) with its defects fixed. A one-stage error
amplifier: NMOS pair m1 (feedback) / m2 (reference) on tail m5, PMOS mirror m3 (diode) / m4,
whose output v2 drives the gate of the PMOS pass device. m8, a common-gate NMOS at the
reference voltage, sinks m10's current from v2; the compensation capacitor `cc` runs from
the output into its source v5, so that the output's AC current reaches the pass gate through
a low-impedance node (cascode, or Ahuja, compensation: no feed-forward through `cc`, and the
pass-gate pole split from the output's). mc with m7r loads the diode side alike, so that the
mirror stays balanced. The bias diode m6 takes the 30 uA bias current (CktGym left its
`ibias` port unconnected) and sets the gates of m5, m7r and m10. The divider Rrf1 / Rrf2
(with Cf1 / Cf2 across them) feeds the output back to m1; the top resistor is
Rrf2 (VOUT / VREF - 1), so the output is 1.0 V whatever the design (see `autockt_shared.circuits.ldo`).

## Conditions
VDD = 1.2 V (one supply; CktGym stacked a 1.8 V source on it), vref = 0.6 V from an ideal
source (CktGym left it open), 30 uA from VDD into m6, a load current of 50 uA (minimum) to
5 mA (full) and 100 pF on the output: an on-chip, capacitor-less regulator.

## Benches
Two netlists, each simulated once per evaluation:

* `ldo` (large signal), one regulator: DC sweep `line` of VDD, 1.0 to 1.3 V in 20 mV steps, at
  full load; transient `step` of the load, a voltage-controlled current source driven by a
  pulse: full load, released to the minimum at 50 ns over 10 ns, 1 us there, back to full load
  over 10 ns, 1 us there. ngspice's step is at most 20 ns, shorter at the edges (breakpoints,
  truncation-error control): against a 2 ns bound, on 20 random designs, under- and overshoot
  differ by 1 % (median; 5 % at most) and settling by 2 % (median).
* `ldo_ac` (small signal): three regulators in one netlist, each with its own supply, one
  operating point and one AC sweep (1 Hz to 10 GHz, 10 points per decade) for all three: at
  the minimum and at full load with the loop broken for AC, and at full load with the AC
  stimulus on its supply (PSRR). The copies share only ideal sources, so each one's response
  is its own stimulus's; their operating points are the closed loop's (the break is a 0 V
  source), so they also give the DC output at both loads and the light-load supply current.
  One sweep of three copies costs less than three runs of one.

## Loop gain: Middlebrook's voltage injection at the gate of m1
A 0 V source (AC 1 V) in series between the divider tap and m1's gate; the return ratio is
T = -v(tap) / v(gate). The injection is exact when the impedance into the break is infinite
against the one driving it: here the break feeds a MOS gate (femtofarads), driven by the
divider and Cf1 / Cf2 (at least 100 fF). Tian's method would also take the loading into account
but needs two AC runs with different stimuli (ngspice cannot change a source between the
analyses of one netlist); an L/C break would change the operating point's dynamics for the
transient. The 0 V source leaves the operating point exactly as in the closed loop.

## Metrics (`LdoOutput`), and their stand-ins
* vout: output at VDD = 1.2 V, minimum load (`ldo_ac`'s operating point).
* vout_error: the larger |vout - 1.0 V| at minimum and full load, VDD = 1.2 V: the output's
  accuracy. The dropout and regulation figures are relative to the design's own output, so a
  design whose loop has latched (pass device fully on, vout = VDD) would look good in them; it
  fails this one.
* dropout: at full load, VDD - vout at the highest VDD of the `line` sweep where vout falls 2 %
  below its value at 1.2 V, interpolated linearly between sweep points. When vout stays within
  2 % down to 1.0 V, 1.0 V - vout(1.0 V) is reported (the dropout is at most that).
* load_reg: |vout(50 uA) - vout(5 mA)| / 4.95 mA at 1.2 V (V/A, i.e. mV/mA; the operating points).
* line_reg: |vout(1.3 V) - vout(1.1 V)| / 0.2 V at full load (V/V).
* psrr_lf, psrr_hf: -20 log10 |vout / vdd| at 10 kHz and 1 MHz, full load (dB; higher is better).
* loop_gain, ugbw, phm: |T| at 1 Hz, its unity-gain frequency and 180 deg + its phase there,
  each the worse of minimum and full load. Stand-ins as the op-amps': no crossing with |T| < 1
  throughout gives ugbw = phm = 0; still above 1 at 10 GHz gives 10 GHz and the phase there. A
  loop gain whose real part is negative at 1 Hz (positive feedback: the amplifier's operating
  point has flipped) gives phm = 0.
* iq: supply current minus load current at the minimum load, VDD = 1.2 V; the divider's and
  the 30 uA bias's currents count.
* overshoot: the highest vout during the 1 us after the release, minus vout at full load (DC);
  undershoot: vout at the minimum load (DC) minus the lowest vout during the 1 us after the
  return to full load. Both at least 0.
* settling: time from the start of each step's edge until vout stays within 10 mV (1 %) of its
  DC value at the new load, the slower of the two steps; 1 us (the window) when it does not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import hdl21 as h
import hdl21.sim as hs
import numpy as np

from autockt_shared.circuits.ldo import LDO, LdoInput, LdoOutput
from autockt_shared.design_waveforms import CornerWaveforms

from .. import waveforms
from ..bench_simulation import bench_sim
from ..engine import Bench, SimResult
from ..metrics import unity_gain_crossing
from ..pdk import nmos, pmos, sized
from ..served import ServedCircuit
from ..settings import Settings
from ..traces import at_nominal, bode, transient

if TYPE_CHECKING:
    from ..simulator import Simulator

VDD = 1.2
VREF = 0.6
VOUT = 1.0
IBIAS = 30e-6
I_MIN = 50e-6
I_MAX = 5e-3
C_LOAD = 100e-12

LINE_START, LINE_STOP, LINE_STEP = 1.0, 1.3, 0.02
LINE_REG_LO, LINE_REG_HI = 1.1, 1.3
DROPOUT_FALL = 0.02
"""Dropout: the output has fallen this fraction below its value at VDD."""

LOAD_GAIN = 1e-3
"""Siemens of the load's controlled source: its control voltage is the load in mA."""

T_DELAY = 50e-9
T_EDGE = 10e-9
T_WINDOW = 1e-6
T_STEP = 20e-9
SETTLE_BAND = 0.01 * VOUT

AC_POINTS_PER_DECADE = 10
F_START, F_STOP = 1.0, 10e9
F_PSRR_LF, F_PSRR_HF = 1e4, 1e6

LARGE_BENCH = "ldo"
AC_BENCH = "ldo_ac"

_RRF1 = h.Literal(f"{{rrf2*{VOUT / VREF - 1!r}}}")  # braces: an ngspice expression


@h.module
class Ldo:
    """The regulator. `fb` is the divider tap and `fbi` the amplifier's feedback input: tie them
    for the closed loop, or put a source between them to break it for AC."""

    VDD, VSS = h.Inputs(2)
    vref = h.Input()
    ibias = h.Input()  # bias current in: the m6 diode
    out = h.Output()
    fb, fbi = h.Inouts(2)
    v1, v2, v3, v4, v5 = h.Signals(5)  # mirror diode, pass gate, tail, mc source, m8 source (cc)

    m1 = sized(nmos, "w1")(d=v1, g=fbi, s=v3, b=v3)
    m2 = sized(nmos, "w1")(d=v2, g=vref, s=v3, b=v3)
    m3 = sized(pmos, "w3")(d=v1, g=v1, s=VDD, b=VDD)
    m4 = sized(pmos, "w3")(d=v2, g=v1, s=VDD, b=VDD)
    mc = sized(nmos, "w8")(d=v1, g=vref, s=v4, b=v4)
    m8 = sized(nmos, "w8")(d=v2, g=vref, s=v5, b=v5)
    m5 = sized(nmos, "w5")(d=v3, g=ibias, s=VSS, b=VSS)
    m6 = sized(nmos, "w6")(d=ibias, g=ibias, s=VSS, b=VSS)
    m7r = sized(nmos, "w7r")(d=v4, g=ibias, s=VSS, b=VSS)
    m10 = sized(nmos, "w7r")(d=v5, g=ibias, s=VSS, b=VSS)
    mpass = sized(pmos, "wpass")(d=out, g=v2, s=VDD, b=VDD)
    cc = h.Cap(c=h.Literal("{cc}"))(p=v5, n=out)
    rf1 = h.Res(r=_RRF1)(p=out, n=fb)
    cf1 = h.Cap(c=h.Literal("{cf1}"))(p=out, n=fb)
    rf2 = h.Res(r=h.Literal("{rrf2}"))(p=fb, n=VSS)
    cf2 = h.Cap(c=h.Literal("{cf2}"))(p=fb, n=VSS)


_LDO: h.Module = Ldo  # an Hdl21 module (the decorator made it one), called to instantiate it


def _sim(tb: h.Module, settings: Settings, regulators: list[tuple[str, bool]], analyses: list[hs.SimAttr]) -> hs.Sim:
    """The 45 nm card, the design's parameters, each regulator's `.nodeset`, then `analyses`."""
    nodesets = [_nodeset(suffix, fb_break) for suffix, fb_break in regulators]
    return bench_sim(tb, [hs.Include(settings.model_path)], LDO.initial_values(), [*nodesets, *analyses])


def _nodeset(suffix: str, fb_break: bool) -> hs.Literal:
    """Where a regulator's nodes sit when it regulates: a start for ngspice's operating point,
    which otherwise falls back to gmin stepping (measured: about a third fewer iterations)."""
    inner = f"xtop.xldo{suffix}"
    guesses = {
        f"xtop.out{suffix}": VOUT,
        f"xtop.fb{suffix}": VREF,
        f"xtop.ibias{suffix}": 0.38,
        f"{inner}.v1": VDD - 0.42,
        f"{inner}.v2": VDD - 0.65,
        f"{inner}.v3": VREF - 0.35,
        f"{inner}.v4": VREF - 0.35,
        f"{inner}.v5": VREF - 0.35,
    }
    if fb_break:
        guesses[f"xtop.fbi{suffix}"] = VREF
    return hs.Literal(".nodeset " + " ".join(f"v({node})={value:.3g}" for node, value in guesses.items()))


def _regulator(tb: h.Module, suffix: str, vdd: h.Signal, fb_break: bool) -> tuple[h.Signal, h.Signal, h.Signal]:
    """One regulator in `tb` with its bias current, load capacitor and output node `out<suffix>`;
    returns (out, fb, fbi). Without `fb_break` the feedback tap and input are one node."""
    out = tb.add(h.Signal(name=f"out{suffix}"))
    ibias = tb.add(h.Signal(name=f"ibias{suffix}"))
    fb = tb.add(h.Signal(name=f"fb{suffix}"))
    fbi = tb.add(h.Signal(name=f"fbi{suffix}")) if fb_break else fb
    tb.add(h.Idc(dc=IBIAS)(p=vdd, n=ibias), name=f"ib{suffix}")
    tb.add(h.Cap(c=C_LOAD)(p=out, n=tb.VSS), name=f"cl{suffix}")
    tb.add(_LDO(VDD=vdd, VSS=tb.VSS, vref=tb.vref, ibias=ibias, out=out, fb=fb, fbi=fbi), name=f"ldo{suffix}")
    return out, fb, fbi


def large_signal_bench(settings: Settings) -> Bench:
    """The DC line sweep and the load-step transient of one closed-loop regulator."""
    tb = h.Module(name="ldo_tb")
    tb.VSS = h.Port()
    tb.VDD, tb.vref, tb.ctl = h.Signals(3)
    tb.vdd = h.Vdc(dc=VDD)(p=tb.VDD, n=tb.VSS)
    tb.vref_src = h.Vdc(dc=VREF)(p=tb.vref, n=tb.VSS)
    out, _, _ = _regulator(tb, "", tb.VDD, fb_break=False)
    # Load: full until T_DELAY, released to the minimum over T_EDGE, back to full after T_WINDOW
    tb.load = h.Vpulse(
        v1=I_MAX / LOAD_GAIN,
        v2=I_MIN / LOAD_GAIN,
        delay=T_DELAY,
        rise=T_EDGE,
        fall=T_EDGE,
        width=T_WINDOW,
        period=10 * T_WINDOW,
    )(p=tb.ctl, n=tb.VSS)
    tb.iload = h.Vccs(gain=LOAD_GAIN)(p=out, n=tb.VSS, cp=tb.ctl, cn=tb.VSS)
    analyses: list[hs.SimAttr] = [
        hs.Dc(var="v.xtop.vvdd", sweep=hs.LinearSweep(LINE_START, LINE_STOP, LINE_STEP), name="line"),
        hs.Tran(tstop=T_DELAY + 2 * (T_EDGE + T_WINDOW), tstep=T_STEP, name="step"),
    ]
    return Bench(name=LARGE_BENCH, sim=_sim(tb, settings, [("", False)], analyses), params=tuple(LDO.initial_values()))


def ac_bench(settings: Settings) -> Bench:
    """Loop gain at minimum and full load and PSRR at full load: three regulators, one AC sweep.
    Each has a supply of its own, so that the operating point gives each one's supply current."""
    tb = h.Module(name="ldo_ac_tb")
    tb.VSS = h.Port()
    tb.vref = h.Signal()
    tb.vref_src = h.Vdc(dc=VREF)(p=tb.vref, n=tb.VSS)
    for suffix, load in (("_light", I_MIN), ("_full", I_MAX)):
        vdd = tb.add(h.Signal(name=f"VDD{suffix}"))
        tb.add(h.Vdc(dc=VDD)(p=vdd, n=tb.VSS), name=f"vdd{suffix}")
        out, fb, fbi = _regulator(tb, suffix, vdd, fb_break=True)
        tb.add(h.Vdc(dc=0.0, ac=1.0)(p=fbi, n=fb), name=f"inj{suffix}")
        tb.add(h.Idc(dc=load)(p=out, n=tb.VSS), name=f"iload{suffix}")
    tb.VDD_psrr = h.Signal()
    tb.vdd_psrr = h.Vdc(dc=VDD, ac=1.0)(p=tb.VDD_psrr, n=tb.VSS)
    out, _, _ = _regulator(tb, "_psrr", tb.VDD_psrr, fb_break=False)
    tb.iload_psrr = h.Idc(dc=I_MAX)(p=out, n=tb.VSS)
    analyses: list[hs.SimAttr] = [hs.Op(name="op"), hs.Ac(name="ac", sweep=hs.LogSweep(F_START, F_STOP, AC_POINTS_PER_DECADE))]
    return Bench(
        name=AC_BENCH,
        sim=_sim(tb, settings, [("_light", True), ("_full", True), ("_psrr", False)], analyses),
        params=tuple(LDO.initial_values()),
    )


def dropout(vdd: np.ndarray, vout: np.ndarray) -> float:
    """VDD - vout where vout (swept up in VDD) has fallen `DROPOUT_FALL` below its value at `VDD`:
    the highest such crossing below `VDD`, interpolated; the bound at the sweep's bottom when none."""
    nominal = int(np.argmin(np.abs(vdd - VDD)))
    limit = (1 - DROPOUT_FALL) * vout[nominal]
    below = np.flatnonzero(vout[: nominal + 1] < limit)
    if below.size == 0:
        return float(vdd[0] - vout[0])
    i = below[-1]  # vout[i] < limit <= vout[i + 1]
    t = (limit - vout[i]) / (vout[i + 1] - vout[i])
    v_supply = vdd[i] + t * (vdd[i + 1] - vdd[i])
    return float(v_supply - limit)


def _settling(time: np.ndarray, v: np.ndarray, start: float, stop: float, final: float) -> float:
    """Settling after a step at `start`, with its window ending at `stop`; the window's length when it does not settle."""
    inside = time <= stop
    settled = waveforms.settling_time(time[inside], v[inside], start, final, SETTLE_BAND)
    return T_WINDOW if settled is None else min(settled, T_WINDOW)


def return_ratio(small: SimResult, suffix: str) -> np.ndarray:
    """T = -v(tap) / v(gate) of the `ldo_ac` regulator `suffix` (`_light`, `_full`) over its AC sweep."""
    ac = small.ac("ac")
    return -ac.values[f"v(xtop.fb{suffix})"] / ac.values[f"v(xtop.fbi{suffix})"]


def loop_metrics(freq: np.ndarray, t: np.ndarray) -> tuple[float, float, float]:
    """(|T| at the lowest frequency, unity-gain frequency, phase margin) of return ratio `t`."""
    mag = np.maximum(np.abs(t), np.finfo(float).tiny)
    ugbw, phm = unity_gain_crossing(freq, mag, np.degrees(np.unwrap(np.angle(t))))
    if t[0].real <= 0:
        phm = 0.0
    return float(mag[0]), ugbw, phm


def _db_rejection(h_supply: complex) -> float:
    return float(-20 * np.log10(max(abs(h_supply), np.finfo(float).tiny)))


def evaluate_ldo(sim: Simulator, inp: LdoInput) -> LdoOutput:
    """The served `ldo_sim`: both benches at `inp`."""
    values = dataclasses.asdict(inp)
    return ldo_metrics(sim.run(LARGE_BENCH, values), sim.run(AC_BENCH, values))


def ldo_metrics(large: SimResult, small: SimResult) -> LdoOutput:
    """The metrics of the module docstring from the results of the `ldo` and `ldo_ac` benches."""

    line = large.dc("line")
    v_line = line.values["v(xtop.out)"]
    lo, hi = (int(np.argmin(np.abs(line.sweep - v))) for v in (LINE_REG_LO, LINE_REG_HI))
    op = small.op("op")
    v_light, v_full = op["v(xtop.out_light)"], op["v(xtop.out_full)"]
    iq = -op["i(v.xtop.vvdd_light)"] - I_MIN

    step = large.tran("step")
    time, v = step.time, step.values["v(xtop.out)"]
    t_release, t_return = T_DELAY, T_DELAY + T_EDGE + T_WINDOW
    t_end = float(time[-1])
    overshoot = max(waveforms.extrema(time, v, t_release, t_return).maximum - v_full, 0.0)
    undershoot = max(v_light - waveforms.extrema(time, v, t_return, t_end).minimum, 0.0)
    settling = max(_settling(time, v, t_release, t_return, v_light), _settling(time, v, t_return, t_end, v_full))

    ac = small.ac("ac")
    loops = [loop_metrics(ac.freq, return_ratio(small, s)) for s in ("_light", "_full")]
    h_supply = ac.values["v(xtop.out_psrr)"]
    lf, hf = (int(np.argmin(np.abs(np.log10(ac.freq / f)))) for f in (F_PSRR_LF, F_PSRR_HF))
    return LdoOutput(
        vout=v_light,
        vout_error=max(abs(v_light - VOUT), abs(v_full - VOUT)),
        dropout=dropout(line.sweep, v_line),
        load_reg=abs(v_light - v_full) / (I_MAX - I_MIN),
        line_reg=abs(float(v_line[hi] - v_line[lo])) / (LINE_REG_HI - LINE_REG_LO),
        psrr_lf=_db_rejection(complex(h_supply[lf])),
        psrr_hf=_db_rejection(complex(h_supply[hf])),
        loop_gain=min(loop[0] for loop in loops),
        ugbw=min(loop[1] for loop in loops),
        phm=min(loop[2] for loop in loops),
        iq=iq,
        undershoot=undershoot,
        overshoot=overshoot,
        settling=settling,
    )


def ldo_waveforms(sim: Simulator, inp: LdoInput) -> CornerWaveforms:
    """Both benches' waveforms and metrics (`design_waveforms`): the loop gain at both loads, the supply's
    transfer to the output (PSRR's), and the output through the load step."""
    values = dataclasses.asdict(inp)
    large, small = sim.run(LARGE_BENCH, values), sim.run(AC_BENCH, values)
    freq = small.ac("ac").freq
    return CornerWaveforms(
        ac=[
            bode("loop gain, 50 uA load", freq, return_ratio(small, "_light")),
            bode("loop gain, 5 mA load", freq, return_ratio(small, "_full")),
            bode("vout / vdd, 5 mA load", freq, small.ac("ac").values["v(xtop.out_psrr)"]),
        ],
        transients=[transient("load step 5 mA - 50 uA - 5 mA", large.tran("step"), {"vout": "v(xtop.out)"})],
        metrics=LDO.metric_values(ldo_metrics(large, small)),
    )


BENCHES: dict[str, Callable[[Settings], Bench]] = {LARGE_BENCH: large_signal_bench, AC_BENCH: ac_bench}

SERVED = ServedCircuit(
    optimization=LDO,
    benches=lambda settings: [bench(settings) for bench in BENCHES.values()],
    evaluate=evaluate_ldo,
    waveforms=at_nominal(ldo_waveforms),
)
