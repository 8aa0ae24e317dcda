"""
# The op-amp testbench's waveforms: the output's Bode plot, with the metrics of the same run

What `design_waveforms` shows of an op-amp of `opamp_testbench`: its one run (operating point
and AC sweep) as the output's frequency response, beside the metrics that run gives, so that a
designer sees the gain, the unity-gain crossing and the phase margin where the numbers come from.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from autockt_shared.design_waveforms import CornerWaveforms, FrequencyResponse, Transient

from .engine import SimResult
from .metrics import opamp_metrics
from .opamp_testbench import OUTPUT_NODE, SUPPLY_SOURCE
from .traces import bode

if TYPE_CHECKING:
    from .simulator import Simulator


def opamp_traces(result: SimResult) -> tuple[list[FrequencyResponse], list[Transient]]:
    """The output's Bode plot of one run (also a corner circuit's `traces`)."""
    ac = result.ac("ac")
    return [bode("v(out)", ac.freq, ac.values[f"v({OUTPUT_NODE})"])], []


def opamp_waveforms(sim: Simulator, bench: str, inp: Any) -> CornerWaveforms:
    """An op-amp's waveforms: its bench `bench` run with `inp`'s fields as the parameters."""
    result = sim.run(bench, dataclasses.asdict(inp))
    ac, transients = opamp_traces(result)
    return CornerWaveforms(ac=ac, transients=transients, metrics=dataclasses.asdict(opamp_metrics(result, OUTPUT_NODE, SUPPLY_SOURCE)))
