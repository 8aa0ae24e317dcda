"""
# The fully differential negative-gm two-stage OTA (CktGym's `two_stage_op_amp_ngm_sim`)

| device | type | drain | gate | source = bulk | size |
| --- | --- | --- | --- | --- | --- |
| Mtailr (bias diode) | pmos | v2 | v1 | VDD | wtailr |
| Mref (bias cascode) | pmos | v1 | ref | v2 | wref |
| Mtail (first-stage tail) | pmos | v7 | v1 | VDD | wtail |
| Min_1 / Min_2 (input pair) | pmos | v5 / v6 | inp.p / inp.n | v7 | win |
| Md_1 / Md_2 (diode loads) | nmos | v5 / v6 | v5 / v6 | VSS | wd |
| Mn_gm_1 / Mn_gm_2 (cross-coupled) | nmos | v5 / v6 | v6 / v5 | VSS | wn_gm |
| Mtail1_1 / Mtail1_2 (fixed sources) | pmos | v3 / v9 | v1 | VDD | wtail1 |
| Mcm_1 / Mcm_2 (CMFB sources) | pmos | v3 / v9 | cm | VDD | wcm |
| Md1_1 / Md1_2 (common source) | nmos | v3 / v9 | v5 / v6 | VSS | wd1 |
| Rf + Cc, each side | R, C | v3 - v4 - v5, v9 - v8 - v6 | | | rf, cc |

Outputs: out.p = v3, out.n = v9 (the second stage; CktGym read the first). Fixed from
CktGym: the input pair's bulk is its common source v7; the diode loads are sized by `wd`
(CktGym used `wd1`); the bias current is drawn out of v1 (CktGym's `ibias` port was connected
to nothing); Cc and Rf are in farads and ohms.

## Common-mode feedback
The first stage's output common mode is set by its diode loads, but the second stage's is a
balance of two currents at high-impedance nodes: without feedback it sits at a rail.
CktGym held the `cm` gate at a fixed voltage, which works for no design but one. Here a
transistor CMFB amplifier, sized once and not a design variable (CktGym's parameters size
none), drives `cm`: a PMOS tail (8 units, gate v1) feeds four PMOS of 4 units, two with their
gates on v3 and v9 (sensing the output common mode without loading the outputs, as a
resistive divider would) into an NMOS diode, two with their gates at `vcm` (0.6 V) into the
NMOS mirror output that is `cm`. A rising output common mode raises `cm` and throttles
Mcm_1/Mcm_2. Its range is a real amplifier's: where the second-stage currents cannot be
balanced within it, the outputs go to a rail and the gain falls, as on silicon. The
differential AC stimulus leaves the loop quiet (its sense devices see equal and opposite
signals), so the CMFB loop's own stability is not measured.

## Testbench
VDD 1.2 V; input common mode and CMFB reference 0.6 V; Vref 0.5 V; 20 uA drawn out of v1;
50 fF on each output (the next stage's input). CktGym's 2 uA and 0.8 V left every device in
weak inversion, where this card's gate tunnelling current is a sizable part of the drain
currents (at the reset point, 0.5 uA of leakage against a 1.2 uA branch) and 1/gm of the
second stage is far above CktGym's Rf grid; a 0.8 V Vref starves Mref at higher currents.
Analyses: operating point `op`, AC `ac` 10 Hz - 10 GHz, 10 points per decade, the inputs
driven +-0.5 V (a 1 V differential stimulus).

## Metrics (`OpAmpOutput`)
gain, ugbw and phm as `metrics.py` defines them, of the differential output v(out.p) -
v(out.n); ibias is the current drawn from VDD. A design whose cross-coupled pair out-conducts
its diodes has a negative first-stage load conductance: it latches, which the symmetric
operating point hides, and shows up as a differential gain of the wrong sign at the lowest
frequency (a right-half-plane pole). It is no amplifier: gain, ugbw and phm are then 0.0,
the worst values.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import hdl21 as h
import numpy as np

from autockt_shared import OpAmpOutput
from autockt_shared.circuits.ngm_ota import NGM_OTA, NgmOtaInput
from autockt_shared.design_waveforms import CornerWaveforms

from ..engine import Bench, SimResult
from ..metrics import unity_gain_crossing
from ..opamp_testbench import opamp_analyses
from ..pdk import nmos, pmos, sized
from ..served import ServedCircuit
from ..settings import Settings
from ..traces import at_nominal, bode

if TYPE_CHECKING:
    from ..simulator import Simulator

VDD = 1.2
VCM = 0.6
VREF = 0.5
IBIAS = 20e-6
LOAD_CAP = 50e-15

OUT_P, OUT_N = "xtop.out_p", "xtop.out_n"
"""The outputs as ngspice names them (the testbench is instance `xtop`)."""
SUPPLY_SOURCE = "v.xtop.vvdd"


@h.module
class NgmOta:
    VDD, VSS = h.Inputs(2)
    inp = h.Diff(port=True, role=h.Diff.Roles.SINK)
    out = h.Diff(port=True, role=h.Diff.Roles.SOURCE)
    ref = h.Input()  # Mref's gate
    vcm = h.Input()  # the common-mode feedback's reference
    v1 = h.Input()  # the mirrors' gate; the bias current is drawn out of it

    v2, v4, v5, v6, v7, v8, cm = h.Signals(7)

    # Bias
    mtailr = sized(pmos, "wtailr")(d=v2, g=v1, s=VDD, b=VDD)
    mref = sized(pmos, "wref")(d=v1, g=ref, s=v2, b=VDD)
    # First stage
    mtail = sized(pmos, "wtail")(d=v7, g=v1, s=VDD, b=VDD)
    min_1 = sized(pmos, "win")(d=v5, g=inp.p, s=v7, b=v7)
    min_2 = sized(pmos, "win")(d=v6, g=inp.n, s=v7, b=v7)
    md_1 = sized(nmos, "wd")(d=v5, g=v5, s=VSS, b=VSS)
    md_2 = sized(nmos, "wd")(d=v6, g=v6, s=VSS, b=VSS)
    mn_gm_1 = sized(nmos, "wn_gm")(d=v5, g=v6, s=VSS, b=VSS)
    mn_gm_2 = sized(nmos, "wn_gm")(d=v6, g=v5, s=VSS, b=VSS)
    # Second stage: v5 drives out.p (v3), v6 drives out.n (v9)
    mtail1_1 = sized(pmos, "wtail1")(d=out.p, g=v1, s=VDD, b=VDD)
    mtail1_2 = sized(pmos, "wtail1")(d=out.n, g=v1, s=VDD, b=VDD)
    mcm_1 = sized(pmos, "wcm")(d=out.p, g=cm, s=VDD, b=VDD)
    mcm_2 = sized(pmos, "wcm")(d=out.n, g=cm, s=VDD, b=VDD)
    md1_1 = sized(nmos, "wd1")(d=out.p, g=v5, s=VSS, b=VSS)
    md1_2 = sized(nmos, "wd1")(d=out.n, g=v6, s=VSS, b=VSS)
    # Miller RC, each side (braces: ngspice expressions, not model names)
    rf_1 = h.Res(r=h.Literal("{rf}"))(p=out.p, n=v4)
    cc_1 = h.Cap(c=h.Literal("{cc}"))(p=v4, n=v5)
    rf_2 = h.Res(r=h.Literal("{rf}"))(p=out.n, n=v8)
    cc_2 = h.Cap(c=h.Literal("{cc}"))(p=v8, n=v6)
    # Common-mode feedback amplifier (fixed sizes)
    c7, ca = h.Signals(2)
    mf_tail = sized(pmos, "8")(d=c7, g=v1, s=VDD, b=VDD)
    mf_sense_p = sized(pmos, "4")(d=ca, g=out.p, s=c7, b=c7)
    mf_sense_n = sized(pmos, "4")(d=ca, g=out.n, s=c7, b=c7)
    mf_ref_1 = sized(pmos, "4")(d=cm, g=vcm, s=c7, b=c7)
    mf_ref_2 = sized(pmos, "4")(d=cm, g=vcm, s=c7, b=c7)
    mf_diode = sized(nmos, "4")(d=ca, g=ca, s=VSS, b=VSS)
    mf_mirror = sized(nmos, "4")(d=cm, g=ca, s=VSS, b=VSS)


def ngm_bench(settings: Settings) -> Bench:
    """The testbench of the module docstring."""
    tb = h.Module(name=f"{NGM_OTA.name}_tb")
    tb.VSS = h.Port()
    tb.VDD, tb.ref, tb.vcm, tb.v1 = h.Signals(4)
    tb.inp, tb.out = h.Diff(), h.Diff()
    tb.vdd = h.Vdc(dc=VDD)(p=tb.VDD, n=tb.VSS)
    tb.vref = h.Vdc(dc=VREF)(p=tb.ref, n=tb.VSS)
    tb.vvcm = h.Vdc(dc=VCM)(p=tb.vcm, n=tb.VSS)
    tb.ibias = h.Idc(dc=IBIAS)(p=tb.v1, n=tb.VSS)  # drawn out of v1 into VSS
    tb.vinp = h.Vdc(dc=VCM, ac=0.5)(p=tb.inp.p, n=tb.VSS)
    tb.vinn = h.Vdc(dc=VCM, ac=-0.5)(p=tb.inp.n, n=tb.VSS)
    tb.cl_p = h.Cap(c=LOAD_CAP)(p=tb.out.p, n=tb.VSS)
    tb.cl_n = h.Cap(c=LOAD_CAP)(p=tb.out.n, n=tb.VSS)
    dut: h.Module = NgmOta  # hdl21 has no type information: mypy sees a class without parameters
    tb.dut = dut(VDD=tb.VDD, VSS=tb.VSS, inp=tb.inp, out=tb.out, ref=tb.ref, vcm=tb.vcm, v1=tb.v1)
    return opamp_analyses(NGM_OTA.name, tb, NGM_OTA.initial_values(), settings, ac_start=10.0)


def differential_output(result: SimResult, out_p: str = OUT_P, out_n: str = OUT_N) -> np.ndarray:
    """v(out.p) - v(out.n) over the AC sweep."""
    ac = result.ac()
    return ac.values[f"v({out_p})"] - ac.values[f"v({out_n})"]


def ngm_metrics(result: SimResult, out_p: str = OUT_P, out_n: str = OUT_N, supply_source: str = SUPPLY_SOURCE) -> OpAmpOutput:
    """`OpAmpOutput` of the differential output, as the module docstring defines it (node and
    source names as a netlist names them: a hand-written one names them differently)."""
    ac = result.ac()
    v_out = differential_output(result, out_p, out_n)
    ibias = -result.op()[f"i({supply_source})"]
    if v_out[0].real <= 0:  # latched: see the module docstring
        return OpAmpOutput(gain=0.0, ugbw=0.0, phm=0.0, ibias=ibias)
    mag = np.maximum(np.abs(v_out), np.finfo(float).tiny)  # keeps log10 finite
    phase_deg = np.degrees(np.unwrap(np.angle(v_out)))
    ugbw, phm = unity_gain_crossing(ac.freq, mag, phase_deg)
    return OpAmpOutput(gain=float(mag[0]), ugbw=ugbw, phm=phm, ibias=ibias)


def evaluate_ngm(sim: Simulator, inp: NgmOtaInput) -> OpAmpOutput:
    return ngm_metrics(sim.run(NGM_OTA.name, dataclasses.asdict(inp)))


def ngm_waveforms(sim: Simulator, inp: NgmOtaInput) -> CornerWaveforms:
    """The differential output's Bode plot and the metrics of the same run (`design_waveforms`)."""
    result = sim.run(NGM_OTA.name, dataclasses.asdict(inp))
    return CornerWaveforms(
        ac=[bode("v(out.p) - v(out.n)", result.ac().freq, differential_output(result))],
        transients=[],
        metrics=NGM_OTA.metric_values(ngm_metrics(result)),
    )


SERVED = ServedCircuit(
    optimization=NGM_OTA, benches=lambda settings: [ngm_bench(settings)], evaluate=evaluate_ngm, waveforms=at_nominal(ngm_waveforms)
)
