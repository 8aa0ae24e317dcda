"""
# PPAAS's low-dropout regulator (LDO) on sky130's 5 V devices, served at a corner set

PPAAS (ICCAD 2025, SeunggeunKimkr/PPAAS at 3c5f88b) sizes it over sky130's 9 corners at 2.0 V
(`pdks/corner_sets/sky130_ppaas.py`); its wire types, Rpc `ppaas_ldo_sim` and spec ranges are
`autockt_shared.circuits.ppaas_ldo`'s. Served only by a server of sky130 (404 `not_found`
elsewhere, naming the flag), as a `CornerCircuit` (`corner_serving`): a pool job per process
section's run of corners, all of a design's awaited together; with a target, skip-on-fail.

The topology, devices and ranges are PPAAS's: an NMOS differential pair m1 (gate at the output:
unity feedback) / m2 (gate at the 1.8 V reference) on the tail m5 (gate at `vb`), a PMOS mirror
m4 (diode, on m1's side) / m3 driving the gate of the PMOS pass device (`m_pass` copies), `rfb`
and `cfb` in series from the pass gate to the output, `cl` from the output to ground. All
devices are sky130's 5 V `nfet_g5v0d10v5` / `pfet_g5v0d10v5` (`Pdk.device`), one finger, bulks at
their rails, drain and source areas and perimeters sky130-hdl21's (those of PPAAS's decks).

One bench per process section (the supply and the temperature are run-time values), of six
copies of the regulator sharing ideal sources, one operating point and one AC sweep (1 Hz-10
GHz, 10 points per decade) for all:
* two closed loops on a supply with AC 1, loaded with 10 mA (full) and 10 uA (light): the
  supply rejection and the output at the operating point;
* four opened by Tian's probe, on a supply without AC, two per load: a probe node `x` joins
  the feedback input (m1's gate) and the output through 0 V sources; in one copy the source
  towards the output carries AC 1 V (voltage injection), in the other a current of AC 1 A
  flows from ground into `x` (current injection). With V the probe voltage and I the current
  through the output-side source of each, the loop gain is T = D / (1 - D),
  D = 2 (I_v V_i - V_v I_i) + V_v + I_i (PPAAS's, from two AC runs of one copy; two copies in
  one run give the same numbers, as the copies share only ideal sources).

Metrics (`LdoMetrics`), and where they deliberately differ from PPAAS's:
* vdrop: (supply - reference) + |reference - output| at the operating point, full load: the
  200 mV of headroom plus the output's error, the regulation accuracy that PPAAS's spec bounds.
  PPAAS's is |2.0 V - Vreg| (at the 2.0 V point of a DC sweep of the supply, the same point:
  the sweep is not run), the same for an output at or below the reference, as a regulating
  design's is; but an output above it is what a loop that does not regulate gives (the pass
  device full on: of 40 random designs at TT, 32 had an output more than 5 mV above 1.8 V,
  none more than 5 mV below), which PPAAS's reads as a small dropout: all 40 met even the
  tightest target, 250 mV, where 19 do here. It is not a dropout voltage in either form (the supply is
  fixed).
* PSRR: -20 log10 of the largest |vreg| over a band, each band including the frequency it is
  named for: 1 Hz-10 kHz, 1 Hz-1 MHz, 1 MHz-10 GHz (PPAAS's windows, points 0-39, 0-59 and
  60-100, stop one point short of 10 kHz and 1 MHz).
* phm: 180 + the unwrapped phase of T at its first unity-gain crossing
  (`circuits.ldo.loop_metrics`: interpolated; 0 when |T| stays below 1 or T's real part is not
  positive at 1 Hz, i.e. positive feedback; a phase below -180 there gives a negative margin),
  where PPAAS takes 180 + the smallest phase from 1 Hz to the last point before the crossing
  (so up to a tenth of a decade short of it: 59.6 / 58.3 deg against these 55.1 / 55.4 at TT at
  the initial point) and maps a value outside 0-180 to 0.
* The 1 ohm in series with the load's current source is left out: it carries a fixed current
  and changes nothing. The supply is not a corner (PPAAS's); the corners' supply is 2.0 V.
* The multiplier is honoured (`m`, ngspice's own), as in PPAAS's decks.

Spec ranges (`autockt_shared.circuits.ppaas_ldo`) are PPAAS's, kept as they are, as measured
against them: PPAAS's initial point at TT gives vdrop 205.3 mV, PSRR 31.9 / 21.1 / 0.26 dB at
full load and 30.5 / 23.4 / 26.5 dB at light load, phm 55.1 / 55.4 deg (PPAAS's own figures:
205.2 mV, 32.0 / 23.0 / 0.26, 30.6 / 23.5 / 26.5 dB, where the 1 MHz band's named point
costs 2 dB at full load), and its worst case over the 9 corners 208 mV, 22.6 / 17.4 / 0.17 dB,
10.9 / 10.3 / 14.9 dB and 51.2 / 44.3 deg (both at -40 C): it meets every range's easiest end but
the phase margins', inside several ranges, so a target drawn from them is a real task from
the reset point. Of 40 random designs at TT, most do not regulate (the loop's gain below 1 or
its output latched near the supply): 0 met light-load PSRR at 1 MHz >= 10 dB, 5 % light-load
phm >= 60. The full-load above-1 MHz range, 0-0.01 dB, asks only that no supply ripple above
1 MHz be amplified: pass or fail, as in PPAAS (with this project's relative errors, a value of
-0.01 dB scores the full -1 against it).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import hdl21 as h
import hdl21.sim as hs
import numpy as np

from autockt_shared.circuits.ppaas_ldo import PPAAS_LDO, LdoMetrics
from autockt_shared.design_waveforms import FrequencyResponse, Transient

from ..corner_serving import CornerCircuit, section_bench
from ..engine import AcResult, Bench, SimResult
from ..pdks import Corner, MosSize, Pdk, ProcessCorner
from ..traces import bode
from .ldo import loop_metrics

PDK = "sky130"
SUPPLY = 2.0
VREF = 1.8
LOADS = {"full": 10e-3, "light": 10e-6}
"""Load currents (A) by the name the metrics carry."""
BANDS = {"10khz": (1.0, 1e4), "1mhz": (1.0, 1e6), "above_1mhz": (1e6, 10e9)}
"""PSRR bands (Hz, both ends included) by the name the metrics carry."""
F_START, F_STOP, POINTS_PER_DECADE = 1.0, 10e9, 10

INITIAL: Mapping[str, float] = PPAAS_LDO.initial_values()
"""PPAAS's initial point: µm, copies, V, ohm, pF."""


def _size(w: str, l: str, m: str | int = 1) -> MosSize:  # noqa: E741  (the devices' parameter name)
    return MosSize(w=w, l=l, m=m)


@functools.cache
def _regulator(pdk: Pdk) -> h.Module:
    """The LDO with sizes as netlist parameters; ports VDD, VSS, vref, vb, out (the regulated
    output) and fb (m1's gate: tied to out for the closed loop)."""
    nmos, pmos = pdk.device("nmos_5v"), pdk.device("pmos_5v")
    ldo = h.Module(name=f"ppaas_ldo_{pdk.name}")
    ldo.VDD, ldo.VSS, ldo.vref, ldo.vb, ldo.out, ldo.fb = h.Ports(6)
    ldo.a, ldo.gate, ldo.t, ldo.mid = h.Signals(4)
    ldo.m1 = nmos(_size("w_m1", "l_m1"))(d=ldo.a, g=ldo.fb, s=ldo.t, b=ldo.VSS)
    ldo.m2 = nmos(_size("w_m1", "l_m1"))(d=ldo.gate, g=ldo.vref, s=ldo.t, b=ldo.VSS)
    ldo.m4 = pmos(_size("w_m3", "l_m3"))(d=ldo.a, g=ldo.a, s=ldo.VDD, b=ldo.VDD)
    ldo.m3 = pmos(_size("w_m3", "l_m3"))(d=ldo.gate, g=ldo.a, s=ldo.VDD, b=ldo.VDD)
    ldo.m5 = nmos(_size("w_m5", "l_m5"))(d=ldo.t, g=ldo.vb, s=ldo.VSS, b=ldo.VSS)
    ldo.mpass = pmos(_size("w_pass", "l_pass", "m_pass"))(d=ldo.out, g=ldo.gate, s=ldo.VDD, b=ldo.VDD)
    ldo.rfb = h.Res(r=h.Literal("{rfb}"))(p=ldo.gate, n=ldo.mid)  # braces: an expression, not a model name
    ldo.cfb = h.Cap(c=h.Literal("{cfb*1e-12}"))(p=ldo.mid, n=ldo.out)
    ldo.cl = h.Cap(c=h.Literal("{cl*1e-12}"))(p=ldo.out, n=ldo.VSS)
    return ldo


def node_name(kind: str, load: str, stimulus: str = "") -> str:
    """A copy's node or instance name in the bench (`out_full`, `x_light_v`): the exported testbench reads them too."""
    return "_".join(part for part in (kind, load, stimulus) if part)


@functools.cache
def ldo_bench(pdk: Pdk, process: ProcessCorner) -> Bench:
    """The six copies of the module docstring with `process`'s models; the supply (`supply`)
    and the temperature (`temp_c`) are run-time values, so that every corner of a process
    section is the same netlist (no reload)."""
    ldo = _regulator(pdk)
    tb = h.Module(name=f"ppaas_ldo_tb_{process.section}")
    tb.VSS = h.Port()
    tb.VDD_AC, tb.VDD_DC, tb.vref, tb.vb, tb.stim = h.Signals(5)
    tb.vdd_ac = h.Vdc(dc=h.Literal("supply"), ac=1)(p=tb.VDD_AC, n=tb.VSS)
    tb.vdd_dc = h.Vdc(dc=h.Literal("supply"))(p=tb.VDD_DC, n=tb.VSS)
    tb.vref_src = h.Vdc(dc=VREF)(p=tb.vref, n=tb.VSS)
    tb.vb_src = h.Vdc(dc=h.Literal("vb"))(p=tb.vb, n=tb.VSS)
    tb.stim_src = h.Vdc(dc=0, ac=1)(p=tb.stim, n=tb.VSS)  # 1 V AC that a 1 S transconductance turns into 1 A
    for load, current in LOADS.items():
        out = tb.add(h.Signal(name=node_name("out", load)))
        tb.add(ldo(VDD=tb.VDD_AC, VSS=tb.VSS, vref=tb.vref, vb=tb.vb, out=out, fb=out), name=node_name("psrr", load))
        tb.add(h.Idc(dc=current)(p=out, n=tb.VSS), name=node_name("iload", load))
        for stimulus in ("v", "i"):
            out, fb, x = (tb.add(h.Signal(name=node_name(kind, load, stimulus))) for kind in ("out", "fb", "x"))
            tb.add(ldo(VDD=tb.VDD_DC, VSS=tb.VSS, vref=tb.vref, vb=tb.vb, out=out, fb=fb), name=node_name("loop", load, stimulus))
            tb.add(h.Idc(dc=current)(p=out, n=tb.VSS), name=node_name("iload", load, stimulus))
            tb.add(h.Vdc(dc=0)(p=x, n=fb), name=node_name("vfb", load, stimulus))
            tb.add(h.Vdc(dc=0, ac=1 if stimulus == "v" else 0)(p=x, n=out), name=node_name("vinj", load, stimulus))
            if stimulus == "i":  # from ground into x
                tb.add(h.Vccs(gain=1)(p=tb.VSS, n=x, cp=tb.stim, cn=tb.VSS), name=node_name("iinj", load))
    analyses: list[hs.SimAttr] = [hs.Op(name="op"), hs.Ac(name="ac", sweep=hs.LogSweep(F_START, F_STOP, POINTS_PER_DECADE))]
    return section_bench(tb.name, tb, pdk, process, INITIAL, SUPPLY, analyses)


def tian_loop_gain(v_v: np.ndarray, i_v: np.ndarray, v_i: np.ndarray, i_i: np.ndarray) -> np.ndarray:
    """The loop gain from the probe voltages `v_*` and output-side source currents `i_*` of the
    voltage- (`*_v`) and current-injected (`*_i`) copies (module docstring)."""
    d = 2 * (i_v * v_i - v_v * i_i) + v_v + i_i
    return d / (1 - d)


def _rejection_db(h_supply: np.ndarray, freq: np.ndarray, band: tuple[float, float]) -> float:
    inside = (freq >= band[0] * (1 - 1e-9)) & (freq <= band[1] * (1 + 1e-9))
    return float(-20 * np.log10(max(float(np.abs(h_supply[inside]).max()), np.finfo(float).tiny)))


def ldo_metrics(result: SimResult, corner: Corner) -> LdoMetrics:
    """`LdoMetrics` of an LDO bench's results at `corner`, as the module docstring defines them."""
    ac = result.ac("ac")
    vreg = result.op("op")[f"v(xtop.{node_name('out', 'full')})"]
    values: dict[str, float] = {"vdrop": corner.vdd - VREF + abs(VREF - vreg)}
    for load in LOADS:
        h_supply = supply_transfer(ac, load)
        for band_name, band in BANDS.items():
            values[f"psrr_{load}_{band_name}"] = _rejection_db(h_supply, ac.freq, band)
        _, _, phm = loop_metrics(ac.freq, loop_gain(ac, load))
        values[f"phm_{load}"] = phm
    return LdoMetrics(**values)


def supply_transfer(ac: AcResult, load: str) -> np.ndarray:
    """vout / vdd of the closed loop at `load` (PSRR's, in dB below 0)."""
    return ac.values[f"v(xtop.{node_name('out', load)})"]


def loop_gain(ac: AcResult, load: str) -> np.ndarray:
    """The loop gain at `load`, from its voltage- and current-injected copies (`tian_loop_gain`)."""
    probe = {s: (ac.values[f"v(xtop.{node_name('x', load, s)})"], ac.values[f"i(v.xtop.v{node_name('vinj', load, s)})"]) for s in "vi"}
    return tian_loop_gain(*probe["v"], *probe["i"])


def ldo_traces(result: SimResult) -> tuple[list[FrequencyResponse], list[Transient]]:
    """What `design_waveforms` shows of a corner: the loop gain and the supply's transfer at each load."""
    ac = result.ac("ac")
    loops = [bode(f"loop gain, {load} load", ac.freq, loop_gain(ac, load)) for load in LOADS]
    return [*loops, *(bode(f"vout / vdd, {load} load", ac.freq, supply_transfer(ac, load)) for load in LOADS)], []


LDO: CornerCircuit[LdoMetrics] = CornerCircuit(
    optimization=PPAAS_LDO, metrics_type=LdoMetrics, bench=ldo_bench, metrics=ldo_metrics, pdk=PDK, vdd=SUPPLY, traces=ldo_traces
)

SERVED = LDO.served()
