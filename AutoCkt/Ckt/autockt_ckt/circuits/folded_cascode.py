"""
# The rail-to-rail folded-cascode op-amp (the original CktGym's second circuit)

An NMOS and a PMOS input pair, each with a cascoded tail source, fold into one cascoded
output stack; the PMOS top devices take their gates from the left output (`outn`), a
self-biased mirror that turns the differential signal single-ended at `out`. The bias
section mirrors the two 30 uA inputs (`ibias1` into the NMOS source diode, `ibias2` into
the NMOS cascode diode) into PMOS bias and cascode gates; each cascode gate sits `vcb`
above its diode's level, set by a resistor of `vcb / 30 uA`.

Currents, in units of the bias current: NMOS pair `alpha` per side, PMOS pair `beta` per
side, output cascodes `gamma`; so the top PMOS carry `gamma + alpha` and the bottom NMOS
`gamma + beta`. A device's multiplier is its role's unit multiplier times its current, as a
netlist expression, so the circuit is generated and elaborated once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import hdl21 as h

from autockt_shared import FOLDED_CASCODE, FoldedCascodeInput, OpAmpOutput
from autockt_shared.design_waveforms import CornerWaveforms

from ..engine import Bench
from ..opamp_testbench import IBIAS, evaluate_opamp, opamp_bench
from ..opamp_waveforms import opamp_waveforms
from ..pdk import nmos, pmos, sized
from ..served import ServedCircuit
from ..settings import Settings
from ..traces import at_nominal

if TYPE_CHECKING:
    from ..simulator import Simulator

_R_VCB = h.Literal(f"{{vcb/{IBIAS!r}}}")  # braces: an ngspice expression


@h.module
class FoldedCascodeOpAmp:
    VDD, VSS = h.Inputs(2)
    inp = h.Diff(port=True, role=h.Diff.Roles.SINK)
    out = h.Output()
    ibias1, ibias2 = h.Inputs(2)  # NMOS current-source diode, NMOS cascode diode

    outn = h.Signal()  # left output: gate of the top PMOS pair
    fold_top_l, fold_top_r = h.Signals(2)  # NMOS pair drains fold in here
    fold_bot_l, fold_bot_r = h.Signals(2)  # PMOS pair drains fold in here
    ntail, ntail_mid, ptail, ptail_mid = h.Signals(4)
    pbiasg, pcascg = h.Signals(2)  # PMOS current-source and cascode gates

    # Output stack, left and right
    ptop_l = sized(pmos, "pbias*(gamma+alpha)")(d=fold_top_l, g=outn, s=VDD, b=VDD)
    ptop_r = sized(pmos, "pbias*(gamma+alpha)")(d=fold_top_r, g=outn, s=VDD, b=VDD)
    pcasc_l = sized(pmos, "pcasc*gamma")(d=outn, g=pcascg, s=fold_top_l, b=VDD)
    pcasc_r = sized(pmos, "pcasc*gamma")(d=out, g=pcascg, s=fold_top_r, b=VDD)
    ncasc_l = sized(nmos, "ncasc*gamma")(d=outn, g=ibias2, s=fold_bot_l, b=VSS)
    ncasc_r = sized(nmos, "ncasc*gamma")(d=out, g=ibias2, s=fold_bot_r, b=VSS)
    nbot_l = sized(nmos, "nbias*(gamma+beta)")(d=fold_bot_l, g=ibias1, s=VSS, b=VSS)
    nbot_r = sized(nmos, "nbias*(gamma+beta)")(d=fold_bot_r, g=ibias1, s=VSS, b=VSS)

    # NMOS input pair and its cascoded tail; inp.p folds into the left side (non-inverting)
    nin_p = sized(nmos, "ninp*alpha")(d=fold_top_l, g=inp.p, s=ntail, b=VSS)
    nin_n = sized(nmos, "ninp*alpha")(d=fold_top_r, g=inp.n, s=ntail, b=VSS)
    ntail_casc = sized(nmos, "ncasc*2*alpha")(d=ntail, g=ibias2, s=ntail_mid, b=VSS)
    ntail_src = sized(nmos, "nbias*2*alpha")(d=ntail_mid, g=ibias1, s=VSS, b=VSS)

    # PMOS input pair and its cascoded tail
    pin_p = sized(pmos, "pinp*beta")(d=fold_bot_l, g=inp.p, s=ptail, b=VDD)
    pin_n = sized(pmos, "pinp*beta")(d=fold_bot_r, g=inp.n, s=ptail, b=VDD)
    ptail_casc = sized(pmos, "pcasc*2*beta")(d=ptail, g=pcascg, s=ptail_mid, b=VDD)
    ptail_src = sized(pmos, "pbias*2*beta")(d=ptail_mid, g=pbiasg, s=VDD, b=VDD)

    # Bias: NMOS cascode gate, `vcb` above a plain diode
    ncdiode_s = h.Signal()
    ncdiode = sized(nmos, "ncasc")(d=ibias2, g=ibias2, s=ncdiode_s, b=VSS)
    rncasc = h.Res(r=_R_VCB)(p=ncdiode_s, n=VSS)
    # Bias: cascoded NMOS source diode
    ndiode_mid = h.Signal()
    ndiode_casc = sized(nmos, "ncasc")(d=ibias1, g=ibias2, s=ndiode_mid, b=VSS)
    ndiode = sized(nmos, "nbias")(d=ndiode_mid, g=ibias1, s=VSS, b=VSS)
    # Bias: two cascoded NMOS mirrors feeding the PMOS gate generators
    n1_mid, n2_mid = h.Signals(2)
    n1_casc = sized(nmos, "ncasc")(d=pcascg, g=ibias2, s=n1_mid, b=VSS)
    n1_src = sized(nmos, "nbias")(d=n1_mid, g=ibias1, s=VSS, b=VSS)
    n2_casc = sized(nmos, "ncasc")(d=pbiasg, g=ibias2, s=n2_mid, b=VSS)
    n2_src = sized(nmos, "nbias")(d=n2_mid, g=ibias1, s=VSS, b=VSS)
    # Bias: PMOS cascode gate, `vcb` below a plain diode
    pcdiode_s = h.Signal()
    rpcasc = h.Res(r=_R_VCB)(p=VDD, n=pcdiode_s)
    pcdiode = sized(pmos, "pcasc")(d=pcascg, g=pcascg, s=pcdiode_s, b=VDD)
    # Bias: cascoded PMOS source diode
    pdiode_mid = h.Signal()
    pdiode = sized(pmos, "pbias")(d=pdiode_mid, g=pbiasg, s=VDD, b=VDD)
    pdiode_casc = sized(pmos, "pcasc")(d=pbiasg, g=pcascg, s=pdiode_mid, b=VDD)

    # Output load and compensation
    cc = h.Cap(c=h.Literal("{cc}"))(p=out, n=VSS)  # braces: an ngspice expression, not a model name


def folded_cascode_bench(settings: Settings) -> Bench:
    """The op-amp testbench around the folded cascode: 30 uA into each bias input, `cc` as the only load."""
    return opamp_bench(
        name=FOLDED_CASCODE.name,
        dut=FoldedCascodeOpAmp,
        bias_ports=["ibias1", "ibias2"],
        load_cap=None,
        params=FOLDED_CASCODE.initial_values(),
        settings=settings,
    )


def evaluate(sim: Simulator, inp: FoldedCascodeInput) -> OpAmpOutput:
    return evaluate_opamp(sim, FOLDED_CASCODE.name, inp)


def waveforms(sim: Simulator, inp: FoldedCascodeInput) -> CornerWaveforms:
    return opamp_waveforms(sim, FOLDED_CASCODE.name, inp)


SERVED = ServedCircuit(
    optimization=FOLDED_CASCODE,
    benches=lambda settings: [folded_cascode_bench(settings)],
    evaluate=evaluate,
    waveforms=at_nominal(waveforms),
)
