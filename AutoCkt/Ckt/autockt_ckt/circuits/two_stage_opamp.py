"""
# The AutoCkt two-stage Miller op-amp, exactly as the benchmark defines it

Every device is W = 0.5 um, L = 90 nm; the design variables are device multipliers and the
Miller capacitor, as netlist parameters named like the `OpAmpInput` fields, so the circuit
is generated and elaborated once however many points are simulated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import hdl21 as h

from autockt_shared import TWO_STAGE_OPAMP, OpAmpInput, OpAmpOutput

from ..engine import Bench
from ..opamp_testbench import evaluate_opamp, opamp_bench
from ..pdk import nmos, pmos, sized
from ..served import ServedCircuit
from ..settings import Settings

if TYPE_CHECKING:
    from ..simulator import Simulator

LOAD_CAP = 10e-12


@h.module
class TwoStageOpAmp:
    """Differential NMOS pair with PMOS mirror load, PMOS common-source second stage, Miller cap."""

    VDD, VSS = h.Inputs(2)
    inp = h.Diff(port=True, role=h.Diff.Roles.SINK)
    out = h.Output()
    ibias = h.Input()  # bias current in; mn4's gate and drain
    net3, net4, net5 = h.Signals(3)  # tail, mirror diode, first-stage output

    mp1 = sized(pmos, "mp1")(d=net4, g=net4, s=VDD, b=VDD)
    mp2 = sized(pmos, "mp1")(d=net5, g=net4, s=VDD, b=VDD)
    mn1 = sized(nmos, "mn1")(d=net4, g=inp.n, s=net3, b=net3)
    mn2 = sized(nmos, "mn1")(d=net5, g=inp.p, s=net3, b=net3)
    mn3 = sized(nmos, "mn3")(d=net3, g=ibias, s=VSS, b=VSS)
    mn4 = sized(nmos, "mn4")(d=ibias, g=ibias, s=VSS, b=VSS)
    mp3 = sized(pmos, "mp3")(d=out, g=net5, s=VDD, b=VDD)
    mn5 = sized(nmos, "mn5")(d=out, g=ibias, s=VSS, b=VSS)
    cc = h.Cap(c=h.Literal("{cc}"))(p=net5, n=out)  # braces: an ngspice expression, not a model name


def two_stage_bench(settings: Settings) -> Bench:
    """The benchmark testbench: 30 uA into `ibias`, 10 pF load."""
    return opamp_bench(
        name=TWO_STAGE_OPAMP.name,
        dut=TwoStageOpAmp,
        bias_ports=["ibias"],
        load_cap=LOAD_CAP,
        params=TWO_STAGE_OPAMP.initial_values(),
        settings=settings,
    )


def evaluate(sim: Simulator, inp: OpAmpInput) -> OpAmpOutput:
    return evaluate_opamp(sim, TWO_STAGE_OPAMP.name, inp)


SERVED = ServedCircuit(optimization=TWO_STAGE_OPAMP, benches=lambda settings: [two_stage_bench(settings)], evaluate=evaluate)
