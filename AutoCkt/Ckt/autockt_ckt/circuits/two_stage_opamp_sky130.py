"""
# The AutoCkt two-stage op-amp on sky130, served at a corner set

The benchmark's topology (`two_stage_opamp.two_stage_amplifier`), testbench (`opamp_testbench`:
30 uA into the bias diode, 10 pF load, input common mode at half the supply, 1 V differential
AC stimulus) and metrics (`metrics.opamp_metrics`: gain, ugbw, phm, ibias), with sky130's
1.8 V devices sized in µm (`autockt_shared.circuits.two_stage_opamp_sky130`), at sky130's
`ppaas` corners at 1.8 V (`pdks/corner_sets/sky130_ppaas.py`). Served only by a server of
sky130 (404 `not_found` elsewhere, naming the flag).

Served as a `CornerCircuit` (`corner_serving`): a pool job per process section's run of
corners, all of a design's awaited together so that they spread over the workers; with a target, skip-on-fail.
One bench per process section (its models); the supply (`supply`) and the temperature
(`temp_c`) are run-time values, so moving between the corners of one section needs no reload.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import hdl21 as h

from autockt_shared import OpAmpOutput
from autockt_shared.circuits.two_stage_opamp_sky130 import TWO_STAGE_OPAMP_SKY130

from ..corner_serving import CornerCircuit, section_bench
from ..engine import Bench, SimResult
from ..metrics import opamp_metrics
from ..opamp_testbench import OUTPUT_NODE, SUPPLY_SOURCE, opamp_sweeps, opamp_testbench
from ..opamp_waveforms import opamp_traces
from ..pdks import Corner, MosSize, Pdk, ProcessCorner
from .two_stage_opamp import LOAD_CAP, two_stage_amplifier

PDK = "sky130"
SUPPLY = 1.8
"""The supply every corner runs at: sky130's 1.8 V devices at their nominal supply."""

INITIAL: Mapping[str, float] = TWO_STAGE_OPAMP_SKY130.initial_values()

_LENGTH_OF = {"mp1": "lload", "mp3": "lload", "mn1": "lpair", "mn3": "lbias", "mn4": "lbias", "mn5": "lbias"}
"""Each device's length parameter; its width parameter is its key with a `w` for the `m` (mp1: wp1)."""


@functools.cache
def _amplifier(kit: Pdk) -> h.Module:
    """The op-amp with `kit`'s devices, sizes and cc (pF) as netlist parameters."""

    def device(key: str) -> h.Instantiable:
        size = MosSize(w="w" + key[1:], l=_LENGTH_OF[key])
        return kit.pmos(size) if key.startswith("mp") else kit.nmos(size)

    return two_stage_amplifier(f"two_stage_opamp_{kit.name}", device, "{cc*1e-12}")


@functools.cache
def sky130_bench(kit: Pdk, process: ProcessCorner) -> Bench:
    """The benchmark's testbench with `process`'s models; the supply and the temperature are run-time values."""
    name = f"{TWO_STAGE_OPAMP_SKY130.name}_{process.section}"
    tb = opamp_testbench(name, _amplifier(kit), ["ibias"], LOAD_CAP, supply="supply")
    return section_bench(name, tb, kit, process, INITIAL, SUPPLY, opamp_sweeps(ac_start=1.0))


def sky130_metrics(result: SimResult, corner: Corner) -> OpAmpOutput:
    """The benchmark's metrics of one corner's results (the same at every corner)."""
    return opamp_metrics(result, OUTPUT_NODE, SUPPLY_SOURCE)


OPAMP: CornerCircuit[OpAmpOutput] = CornerCircuit(
    optimization=TWO_STAGE_OPAMP_SKY130,
    metrics_type=OpAmpOutput,
    bench=sky130_bench,
    metrics=sky130_metrics,
    pdk=PDK,
    vdd=SUPPLY,
    traces=opamp_traces,
)

SERVED = OPAMP.served()
