"""
# The AutoCkt two-stage op-amp on sky130 at PVT corners: wire types, Rpc, optimization

The benchmark's circuit (`two_stage_opamp`: topology, testbench, metric definitions) moved to
a real process: sky130's 1.8 V devices, sized for the worst case over PPAAS's 9 corners of
sky130 (TT; FF, SS, FS, SF at -40 and 125 C) at 1.8 V, so that its targets ask what a designer
asks of a real op-amp. Parameters are physical: widths in µm on a 0.5 µm grid (0.5-50 µm, the
nominal benchmark's 1-100 multipliers of its 0.5 µm device), three lengths in µm on a 0.05 µm
grid (0.15-2 µm: sky130's minimum to a long analog device) and the Miller capacitor in pF on a
0.1 pF grid (0.1-10 pF), so that the environment's moves of a grid step or two stay meaningful.

A call carries the design, the corner set (`ppaas`, the 9, by default; `tt` alone for a fast
start) and optionally a target: with one, skip-on-fail (the typical corner first, the others
only if it meets every spec of the target). The answer holds the metrics at each corner
simulated, their worst case per spec (what an optimizer sizes for: `metrics_field`), whether
the other corners were skipped, and how many simulations ran. Only a server started for sky130
(`start_server.py --pdk sky130`) simulates it.

The spec ranges come from a survey of the worst case over the 9 corners, 2026-12-06 (2 shared
cores): `python benchmarks/target_difficulty.py --circuit two_stage_opamp_sky130 --random 40
--searches 4 --search-budget 40 --targets 1000 --workers 2` (200 designs, 436 s). Of 1000 targets
drawn from them, 67.7 % are met (AutoCkt's rule) by some surveyed design, a lower bound on what an
optimizer reaches; the best single design meets 55.9 %; the reset point, a hand design whose
phase margin is 29 degrees at its worst corner (gain 109, ugbw 14.8 MHz, 0.21 mA), none, as the
nominal benchmark's reset point fails its phase margin. The worst case is harsh on the open-loop
gain: a systematic offset at one corner pushes the output toward a rail, so that most random
designs' worst gain is below 20 and few reach 100; hence a gain range of 20-100. The phase
margin is the nominal's fixed 60 degrees, and the supply current, an at-most spec, trades against
gain and bandwidth through the second stage's current, whence 0.1-1 mA.
"""

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

from ..corner_sets import SKY130, Sky130CornerSet
from ..optimization import CircuitOptimization, MetricSpec, Range, Sense, grid_field, option_field
from .two_stage_opamp import OpAmpOutput

_WIDTH: dict[str, Any] = dict(lo=0.5, hi=50.0, step=0.5, unit="um")
_LENGTH: dict[str, Any] = dict(lo=0.15, hi=2.0, step=0.05, unit="um")


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class OpAmpSky130Input:
    """The op-amp's sizes on sky130 and which corners to simulate them at.

    Devices that mirror one another share a length, so that the mirrors' ratios are their
    widths' ratios. Each size's `initial` is a hand design: the reset point.
    """

    wp1: float = grid_field(5.0, **_WIDTH, description="PMOS load mirror mp1/mp2 width")
    wn1: float = grid_field(20.0, **_WIDTH, description="NMOS input pair mn1/mn2 width")
    wp3: float = grid_field(25.0, **_WIDTH, description="PMOS second stage mp3 width")
    wn3: float = grid_field(4.0, **_WIDTH, description="NMOS tail current source mn3 width")
    wn4: float = grid_field(2.0, **_WIDTH, description="NMOS bias diode mn4 width")
    wn5: float = grid_field(10.0, **_WIDTH, description="NMOS second-stage current source mn5 width")
    lpair: float = grid_field(0.5, **_LENGTH, description="NMOS input pair mn1/mn2 length")
    lload: float = grid_field(0.5, **_LENGTH, description="PMOS length: mirror mp1/mp2 and second stage mp3")
    lbias: float = grid_field(1.0, **_LENGTH, description="NMOS current-mirror length: mn3, mn4, mn5")
    cc: float = grid_field(2.0, 0.1, 10.0, 0.1, unit="pF", description="Miller capacitor")
    corner_set: Sky130CornerSet = SKY130.field()
    target: OpAmpOutput | None = option_field(
        None, description="skip-on-fail: simulate the other corners only if the typical one meets every spec of this target"
    )


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class OpAmpCornersOutput:
    """A design at a corner set. `corners` holds only the corners simulated, in the set's order."""

    corners: dict[str, OpAmpOutput] = Field(description="metrics by corner name (e.g. `ss_1.8V_125C`)")
    worst: OpAmpOutput = Field(
        description="each spec's worst value over `corners`: the lowest of an at-least spec, the highest of an at-most one"
    )
    skipped: bool = Field(description="the typical corner missed the target, so no other corner was simulated")
    simulations: int = Field(description="simulations this evaluation ran (one per corner in `corners`)")


two_stage_opamp_sky130_sim = Rpc(
    name="two_stage_opamp_sky130_sim",
    input_type=OpAmpSky130Input,
    return_type=OpAmpCornersOutput,
    docstring="""Simulate the AutoCkt two-stage Miller op-amp on sky130 (1.8 V devices) at a corner
    set (operating point and AC sweep 1 Hz - 10 GHz per corner, in parallel over the server's
    workers); returns gain, unity-gain bandwidth, phase margin and supply current at each corner
    simulated and their worst case. Needs a server started with --pdk sky130.""",
    deterministic=True,
    usage_field="simulations",  # a caller's usage counts the corners simulated: 9, or 1 when skip-on-fail stopped at typical
    cost=SKY130.cost,  # the simulations at the corner set it names: a client's batch requests carry 512 at most
)

TWO_STAGE_OPAMP_SKY130: CircuitOptimization[OpAmpSky130Input, OpAmpCornersOutput] = CircuitOptimization(
    name="two_stage_opamp_sky130",
    sim=two_stage_opamp_sky130_sim,
    metrics=(
        MetricSpec("gain", Range(20.0, 100.0), normalizer=60.0, sense=Sense.AT_LEAST, unit="V/V"),
        MetricSpec("ugbw", Range(1.0e6, 1.0e7), normalizer=5.0e6, sense=Sense.AT_LEAST, unit="Hz"),
        MetricSpec("phm", Range(60.0, 60.0000001), normalizer=60.0, sense=Sense.AT_LEAST, unit="deg"),
        MetricSpec("ibias", Range(1e-4, 1e-3), normalizer=5e-4, sense=Sense.AT_MOST, unit="A"),
    ),
    description="AutoCkt's two-stage op-amp on sky130, sized for its worst case over PPAAS's 9 PVT corners at 1.8 V",
    metrics_field="worst",
)
