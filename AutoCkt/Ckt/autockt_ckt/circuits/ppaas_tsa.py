"""
# PPAAS's two-stage op-amp (TSA) on gf180mcu, served at a corner set

PPAAS (ICCAD 2025, SeunggeunKimkr/PPAAS at 3c5f88b) sizes it over gf180mcu's 17 corners
(`pdks/corner_sets/gf180mcu_ppaas.py`); its wire types, Rpc `ppaas_tsa_sim` and spec ranges are
`autockt_shared.circuits.ppaas_tsa`'s. Served only by a server of gf180mcu (404 `not_found`
elsewhere, naming the flag), as a `CornerCircuit` (`corner_serving`): a call is a pool job per
process section's run of corners, awaited together so that they spread over the workers; with a
target, skip-on-fail (`corner_evaluation`). The topology, devices, ranges and testbench are
PPAAS's: an NMOS differential pair (bulks at the tail) with a PMOS mirror load, a PMOS common-source second stage with an NMOS sink, Miller
capacitor `cc` from the first stage's output to the output, 30 uA into an NMOS bias diode;
every device L = 0.3 um, 3.3 V devices. Design variables (µm, pF): wp1 (mirror), wn1 (pair),
wp3 (second stage), wn3 (tail), wn4 (bias diode), wn5 (sink), cc; ranges 0.5-100 µm and
0.1-10 pF; PPAAS's initial point is `INITIAL`.

The testbench, the evaluation and the metric definitions (`TsaMetrics`), with where they
deliberately differ from PPAAS's, are those of PPAAS's op-amps (`ppaas_opamp_bench`); the
follower steps from VDD/2 - 0.2 V to VDD/2 + 0.2 V, so t_settle's band is 4 mV (its spec range is
surveyed for that band: `autockt_shared.circuits.ppaas_tsa`). The multiplier
is honoured and the models' statistics are off (`pdks/kits/gf180mcu.py`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import hdl21 as h

from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA, TsaMetrics

from ..corner_evaluation import CornerEvaluation
from ..engine import Engine
from ..pdks import Corner, MosSize, Pdk
from ..ppaas_opamp_bench import PpaasOpamp

PDK = "gf180mcu"

L_UM = 0.3
STEP = 0.2
"""Volts either side of VDD/2: the follower's input step."""

INITIAL: Mapping[str, float] = PPAAS_TSA.initial_values()
"""PPAAS's initial point: widths in µm, cc in pF."""


@functools.cache
def _amplifier(pdk: Pdk) -> h.Module:
    """The TSA with sizes as netlist parameters; ports VDD, VSS, inp, inn, out, bias (the bias diode)."""

    def nmos(w: str) -> h.Instantiable:
        return pdk.nmos(MosSize(w=w, l=L_UM))

    def pmos(w: str) -> h.Instantiable:
        return pdk.pmos(MosSize(w=w, l=L_UM))

    amp = h.Module(name=f"ppaas_tsa_{pdk.name}")
    amp.VDD, amp.VSS, amp.inp, amp.inn, amp.out, amp.bias = h.Ports(6)
    amp.d1, amp.o1, amp.tail = h.Signals(3)
    amp.mp1 = pmos("wp1")(d=amp.d1, g=amp.d1, s=amp.VDD, b=amp.VDD)
    amp.mp2 = pmos("wp1")(d=amp.o1, g=amp.d1, s=amp.VDD, b=amp.VDD)
    amp.mn1 = nmos("wn1")(d=amp.d1, g=amp.inn, s=amp.tail, b=amp.tail)
    amp.mn2 = nmos("wn1")(d=amp.o1, g=amp.inp, s=amp.tail, b=amp.tail)
    amp.mn3 = nmos("wn3")(d=amp.tail, g=amp.bias, s=amp.VSS, b=amp.VSS)
    amp.mn4 = nmos("wn4")(d=amp.bias, g=amp.bias, s=amp.VSS, b=amp.VSS)
    amp.mp3 = pmos("wp3")(d=amp.out, g=amp.o1, s=amp.VDD, b=amp.VDD)
    amp.mn5 = nmos("wn5")(d=amp.out, g=amp.bias, s=amp.VSS, b=amp.VSS)
    amp.cc = h.Cap(c=h.Literal("{cc*1e-12}"))(p=amp.o1, n=amp.out)  # braces: an expression, not a model name
    return amp


OPAMP = PpaasOpamp(
    optimization=PPAAS_TSA, metrics_type=TsaMetrics, amplifier=_amplifier, bias_sinks=False, step_mid=0.5, step=STEP, pdk=PDK
)
TSA = OPAMP.corner_circuit()
SENSES = TSA.senses
tsa_bench = OPAMP.bench
tsa_metrics = OPAMP.metrics


def evaluate_at(engine: Engine, pdk: Pdk, corner: Corner, values: Mapping[str, float]) -> TsaMetrics:
    """The TSA's metrics at `corner` (of `pdk`, gf180mcu) for the design `values` (µm, pF)."""
    return TSA.evaluate_at(engine, corner, values)


def evaluate_corner_set(
    engine: Engine, pdk: Pdk, corners: Sequence[Corner], values: Mapping[str, float], target: Mapping[str, float] | None = None
) -> CornerEvaluation:
    """The design `values` at each of `corners` (of `pdk`, gf180mcu) in turn, in this process, and
    its worst case per spec; with a `target`, skip-on-fail (`corner_evaluation`)."""
    return TSA.evaluate_corner_set(engine, corners, values, target)


SERVED = TSA.served()
