"""
# PPAAS's two-stage op-amp (TSA) on gf180mcu at its PVT corners: wire types, Rpc, optimization

PPAAS (ICCAD 2025) sizes this op-amp for its worst case over gf180mcu's 17 corners; the
topology, testbench and metric definitions are the server's (`autockt_ckt.circuits.ppaas_tsa`,
whose docstring lists where they deliberately differ from PPAAS's). Parameters are physical,
as PPAAS's: widths in µm on a 0.01 µm grid (0.5-100 µm) and the Miller capacitor in pF on a
0.01 pF grid (0.1-10 pF), fine enough that PPAAS's initial point, the reset point, lies on it.

A call carries the design, the corner set to simulate it at (`ppaas`, PPAAS's 17, by default;
`tt` alone for a fast start) and optionally a target: with one, skip-on-fail, as PPAAS does it
(the typical corner first, the others only if it meets every spec of the target). The answer
holds the metrics at each corner simulated, their worst case per spec (what an optimizer sizes
for: `metrics_field`), whether the other corners were skipped, and how many simulations ran.
The spec ranges are PPAAS's (phm its fixed 60 degrees) but t_settle's: this testbench settles into
1 % of the step (4 mV), where PPAAS's band is 1 % of the output's level (about 16 mV), so the same
design settles later here (2.85 x at the median; `benchmarks/settling_band.py`, 174 designs that
settle at all 17 corners). The range is PPAAS's 2-10 us mapped to the times the same share of those
designs meets in this band: 18-42 us (PPAAS's 2 us is met by 14.4 % of them in its band, 18.3 us by
as many here; 10 us by 47.1 %, 42.0 us). With PPAAS's range, no design CMA-ES found in 5,000 met
even its loosest target (22.8 us at best).

Only a server started for gf180mcu (`start_server.py --pdk gf180mcu`) simulates it; any other
answers 404 `not_found` naming the flag (the Rpc stays in every server's schema).
"""

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

from ..corner_sets import GF180MCU, Gf180mcuCornerSet
from ..optimization import CircuitOptimization, MetricSpec, Range, Sense, grid_field, option_field
from ._ppaas_opamp import OpampMetrics

_WIDTH: dict[str, Any] = dict(lo=0.5, hi=100.0, step=0.01, unit="um")


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class TsaMetrics(OpampMetrics):
    """The TSA's six metrics at one corner, or their worst case over several, or a target."""


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class TsaInput:
    """The TSA's seven sizes (every device L = 0.3 um) and which corners to simulate them at.

    Each size's `initial` is PPAAS's initial point: 17.33, 88.76, 72.1, 46.21, 19.64, 70.0 um, 3.48 pF.
    """

    wp1: float = grid_field(17.33, **_WIDTH, description="PMOS mirror mp1/mp2 width")
    wn1: float = grid_field(88.76, **_WIDTH, description="NMOS input pair mn1/mn2 width")
    wp3: float = grid_field(72.1, **_WIDTH, description="PMOS second stage mp3 width")
    wn3: float = grid_field(46.21, **_WIDTH, description="NMOS tail mn3 width")
    wn4: float = grid_field(19.64, **_WIDTH, description="NMOS bias diode mn4 width")
    wn5: float = grid_field(70.0, **_WIDTH, description="NMOS second-stage sink mn5 width")
    cc: float = grid_field(3.48, 0.1, 10.0, 0.01, unit="pF", description="Miller capacitor")
    corner_set: Gf180mcuCornerSet = GF180MCU.field()
    target: TsaMetrics | None = option_field(
        None, description="skip-on-fail: simulate the other corners only if the typical one meets every spec of this target"
    )


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class TsaOutput:
    """A design at a corner set. `corners` holds only the corners simulated, in the set's order."""

    corners: dict[str, TsaMetrics] = Field(description="metrics by corner name (e.g. `ff_3.6V_-40C`)")
    worst: TsaMetrics = Field(
        description="each spec's worst value over `corners`: the lowest of an at-least spec, the highest of an at-most one"
    )
    skipped: bool = Field(description="the typical corner missed the target, so no other corner was simulated")
    simulations: int = Field(description="simulations this evaluation ran (one per corner in `corners`)")


ppaas_tsa_sim = Rpc(
    name="ppaas_tsa_sim",
    input_type=TsaInput,
    return_type=TsaOutput,
    docstring="""Simulate PPAAS's two-stage op-amp on gf180mcu at a corner set (operating point, AC,
    DC sweep and a unity-gain step per corner, in parallel over the server's workers); returns the
    metrics at each corner simulated and their worst case. Needs a server started with --pdk gf180mcu.""",
    deterministic=True,  # libngspice and ngspice -b agree to the last bit; the cache's namespace is the PDK's model files
    usage_field="simulations",  # a caller's usage counts the corners simulated: 17, or 1 when skip-on-fail stopped at typical
    cost=GF180MCU.cost,  # the simulations at the corner set it names: a client's batch requests carry 512 at most
)

PPAAS_TSA: CircuitOptimization[TsaInput, TsaOutput] = CircuitOptimization(
    name="ppaas_tsa",
    sim=ppaas_tsa_sim,
    metrics=(
        MetricSpec("gain", Range(200.0, 300.0), normalizer=250.0, sense=Sense.AT_LEAST, unit="V/V"),
        MetricSpec("vswing", Range(0.2, 0.3), normalizer=0.25, sense=Sense.AT_LEAST, unit="V"),
        MetricSpec("ugbw", Range(1.0e6, 2.0e7), normalizer=2.0e7, sense=Sense.AT_LEAST, unit="Hz"),
        MetricSpec("phm", Range(60.0, 60.0000001), normalizer=60.0, sense=Sense.AT_LEAST, unit="deg"),
        MetricSpec("ibias", Range(1e-3, 1e-2), normalizer=3e-3, sense=Sense.AT_MOST, unit="A"),
        MetricSpec("t_settle", Range(1.8e-5, 4.2e-5), normalizer=3.6e-5, sense=Sense.AT_MOST, unit="s"),
    ),
    description="PPAAS's two-stage op-amp on gf180mcu, sized for its worst case over 17 PVT corners",
    metrics_field="worst",
)
