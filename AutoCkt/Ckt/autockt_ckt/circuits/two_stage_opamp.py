"""
# The AutoCkt two-stage Miller op-amp, exactly as the benchmark defines it

Every device is W = 0.5 um, L = 90 nm; the design variables are device multipliers and the
Miller capacitor, as netlist parameters named like the `OpAmpInput` fields, so the circuit
is generated and elaborated once however many points are simulated.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import hdl21 as h

from autockt_shared import TWO_STAGE_OPAMP, OpAmpInput, OpAmpOutput
from autockt_shared.design_waveforms import CornerWaveforms

from ..engine import Bench
from ..opamp_testbench import evaluate_opamp, opamp_bench
from ..opamp_waveforms import opamp_waveforms
from ..pdk import nmos, pmos, sized
from ..served import ServedCircuit
from ..settings import Settings
from ..traces import at_nominal

if TYPE_CHECKING:
    from ..simulator import Simulator

LOAD_CAP = 10e-12


DeviceOf = Callable[[str], h.Instantiable]
"""The op-amp's device sized by a key: `mp1` (the mirror mp1/mp2), `mn1` (the pair mn1/mn2),
`mp3`, `mn3`, `mn4` or `mn5` (a key starting `mp` is a PMOS, `mn` an NMOS)."""


def two_stage_amplifier(name: str, device: DeviceOf, cc: str) -> h.Module:
    """The benchmark's topology as module `name`, devices from `device`, the Miller capacitance
    the netlist expression `cc`: a differential NMOS pair with a PMOS mirror load, a PMOS
    common-source second stage, the Miller cap. Ports VDD, VSS, inp (h.Diff), out, ibias (the
    bias current in: mn4's gate and drain)."""
    amp = h.Module(name=name)
    amp.VDD, amp.VSS = h.Inputs(2)
    amp.inp = h.Diff(port=True, role=h.Diff.Roles.SINK)
    amp.out = h.Output()
    amp.ibias = h.Input()
    amp.net3, amp.net4, amp.net5 = h.Signals(3)  # tail, mirror diode, first-stage output
    amp.mp1 = device("mp1")(d=amp.net4, g=amp.net4, s=amp.VDD, b=amp.VDD)
    amp.mp2 = device("mp1")(d=amp.net5, g=amp.net4, s=amp.VDD, b=amp.VDD)
    amp.mn1 = device("mn1")(d=amp.net4, g=amp.inp.n, s=amp.net3, b=amp.net3)
    amp.mn2 = device("mn1")(d=amp.net5, g=amp.inp.p, s=amp.net3, b=amp.net3)
    amp.mn3 = device("mn3")(d=amp.net3, g=amp.ibias, s=amp.VSS, b=amp.VSS)
    amp.mn4 = device("mn4")(d=amp.ibias, g=amp.ibias, s=amp.VSS, b=amp.VSS)
    amp.mp3 = device("mp3")(d=amp.out, g=amp.net5, s=amp.VDD, b=amp.VDD)
    amp.mn5 = device("mn5")(d=amp.out, g=amp.ibias, s=amp.VSS, b=amp.VSS)
    amp.cc = h.Cap(c=h.Literal(cc))(p=amp.net5, n=amp.out)  # braces: an ngspice expression, not a model name
    return amp


def _multiplied(key: str) -> h.Instantiable:
    """The benchmark's devices: W = 0.5 um, L = 90 nm, the multiplier the parameter `key`."""
    return sized(pmos if key.startswith("mp") else nmos, key)


@functools.cache
def two_stage_opamp() -> h.Module:
    """The benchmark's op-amp, its multipliers and Miller cap the netlist parameters of `OpAmpInput`."""
    return two_stage_amplifier("TwoStageOpAmp", _multiplied, "{cc}")


def two_stage_bench(settings: Settings) -> Bench:
    """The benchmark testbench: 30 uA into `ibias`, 10 pF load."""
    return opamp_bench(
        name=TWO_STAGE_OPAMP.name,
        dut=two_stage_opamp(),
        bias_ports=["ibias"],
        load_cap=LOAD_CAP,
        params=TWO_STAGE_OPAMP.initial_values(),
        settings=settings,
    )


def evaluate(sim: Simulator, inp: OpAmpInput) -> OpAmpOutput:
    return evaluate_opamp(sim, TWO_STAGE_OPAMP.name, inp)


def waveforms(sim: Simulator, inp: OpAmpInput) -> CornerWaveforms:
    return opamp_waveforms(sim, TWO_STAGE_OPAMP.name, inp)


SERVED = ServedCircuit(
    optimization=TWO_STAGE_OPAMP,
    benches=lambda settings: [two_stage_bench(settings)],
    evaluate=evaluate,
    waveforms=at_nominal(waveforms),
)
