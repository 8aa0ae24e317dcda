"""
# PPAAS's cascode-Miller op-amp (CMA) on gf180mcu at its PVT corners: wire types, Rpc, optimization

PPAAS (ICCAD 2025) sizes this op-amp for its worst case over gf180mcu's 17 corners, as it does
its two-stage op-amp (`ppaas_tsa`), on the same testbench; the topology, testbench and metric
definitions are the server's (`autockt_ckt.circuits.ppaas_cma`, whose docstring lists where
they deliberately differ from PPAAS's). Parameters are physical, as PPAAS's: widths in µm on a
0.01 µm grid (0.5-100 µm) and the two Miller capacitors in pF on a 0.01 pF grid (0.1-10 pF).
PPAAS's initial point, the reset point, is rounded to that grid (1.009 µm becomes 1.01 µm).

A call carries the design, the corner set (`ppaas`, PPAAS's 17, by default; `tt` alone for a
fast start) and optionally a target: with one, skip-on-fail (the typical corner first, the
others only if it meets every spec of the target). The answer holds the metrics at each corner
simulated, their worst case per spec (`metrics_field`), whether the other corners were
skipped, and how many simulations ran. The spec ranges are PPAAS's.

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
_CAP: dict[str, Any] = dict(lo=0.1, hi=10.0, step=0.01, unit="pF")


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class CmaMetrics(OpampMetrics):
    """The CMA's six metrics at one corner, or their worst case over several, or a target."""


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class CmaInput:
    """The CMA's ten sizes (every device L = 0.3 um) and which corners to simulate them at.

    Each size's `initial` is PPAAS's initial point: 1.01, 72.89, 68.44, 31.64, 93.19, 45.47, 70.13,
    29.55 um, 6.79, 6.73 pF.
    """

    wn13: float = grid_field(1.01, **_WIDTH, description="NMOS bias and sink width (stacks x4, sinks x8, diode x1)")
    wn15: float = grid_field(72.89, **_WIDTH, description="NMOS folding cascode width")
    wn21: float = grid_field(68.44, **_WIDTH, description="NMOS output mirror (diode and pull-down) width")
    wp6: float = grid_field(31.64, **_WIDTH, description="PMOS bias mirror width (tail x2, load x8)")
    wp7: float = grid_field(93.19, **_WIDTH, description="PMOS second driver width")
    wp9: float = grid_field(45.47, **_WIDTH, description="PMOS input pair width")
    wp10: float = grid_field(70.13, **_WIDTH, description="PMOS first driver width")
    wp11: float = grid_field(29.55, **_WIDTH, description="PMOS output pull-up width")
    c1: float = grid_field(6.79, **_CAP, description="Miller capacitor from the first stage's output to the driver's")
    c2: float = grid_field(6.73, **_CAP, description="Miller capacitor from the folding node to the output")
    corner_set: Gf180mcuCornerSet = GF180MCU.field()
    target: CmaMetrics | None = option_field(
        None, description="skip-on-fail: simulate the other corners only if the typical one meets every spec of this target"
    )


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class CmaOutput:
    """A design at a corner set. `corners` holds only the corners simulated, in the set's order."""

    corners: dict[str, CmaMetrics] = Field(description="metrics by corner name (e.g. `ff_3.6V_-40C`)")
    worst: CmaMetrics = Field(
        description="each spec's worst value over `corners`: the lowest of an at-least spec, the highest of an at-most one"
    )
    skipped: bool = Field(description="the typical corner missed the target, so no other corner was simulated")
    simulations: int = Field(description="simulations this evaluation ran (one per corner in `corners`)")


ppaas_cma_sim = Rpc(
    name="ppaas_cma_sim",
    input_type=CmaInput,
    return_type=CmaOutput,
    docstring="""Simulate PPAAS's cascode-Miller op-amp on gf180mcu at a corner set (operating point,
    AC, DC sweep and a unity-gain step per corner, in parallel over the server's workers); returns
    the metrics at each corner simulated and their worst case. Needs a server started with --pdk gf180mcu.""",
    deterministic=True,  # libngspice and ngspice -b agree to the last bit; the cache's namespace is the PDK's model files
    usage_field="simulations",  # a caller's usage counts the corners simulated: 17, or 1 when skip-on-fail stopped at typical
    cost=GF180MCU.cost,  # the simulations at the corner set it names: a client's batch requests carry 512 at most
)

PPAAS_CMA: CircuitOptimization[CmaInput, CmaOutput] = CircuitOptimization(
    name="ppaas_cma",
    sim=ppaas_cma_sim,
    metrics=(
        MetricSpec("gain", Range(4500.0, 5500.0), normalizer=5000.0, sense=Sense.AT_LEAST, unit="V/V"),
        MetricSpec("vswing", Range(1.4, 1.6), normalizer=1.5, sense=Sense.AT_LEAST, unit="V"),
        MetricSpec("ugbw", Range(4.0e6, 6.0e6), normalizer=5.0e6, sense=Sense.AT_LEAST, unit="Hz"),
        MetricSpec("phm", Range(85.0, 85.0000001), normalizer=85.0, sense=Sense.AT_LEAST, unit="deg"),
        MetricSpec("ibias", Range(3e-3, 1e-2), normalizer=7e-3, sense=Sense.AT_MOST, unit="A"),
        MetricSpec("t_settle", Range(1.5e-7, 3e-7), normalizer=2.25e-7, sense=Sense.AT_MOST, unit="s"),
    ),
    description="PPAAS's cascode-Miller op-amp on gf180mcu, sized for its worst case over 17 PVT corners",
    metrics_field="worst",
)
