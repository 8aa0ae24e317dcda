"""
# PPAAS's StrongARM comparator (COMP) on gf180mcu at its PVT corners: wire types, Rpc, optimization

PPAAS (ICCAD 2025) sizes this clocked comparator for its worst case over gf180mcu's 17 corners;
the topology, testbench and metric definitions are the server's (`autockt_ckt.circuits.ppaas_comp`,
whose docstring lists where they deliberately differ from PPAAS's: the temperature is honoured at
every corner, the delay runs between 50 % crossings and the power is watts, not charge).
Parameters are physical, as PPAAS's: six widths in µm on a 0.01 µm grid (0.5-100 µm), NMOS
L = 0.3 µm and PMOS L = 0.6 µm fixed; PPAAS's initial point, 33.3 µm each, is the reset point.

A call carries the design, the corner set to simulate it at (`ppaas`, PPAAS's 17, by default;
`tt` alone for a fast start) and optionally a target: with one, skip-on-fail, as PPAAS does it
(the typical corner first, the others only if it meets every spec of the target). The answer
holds the metrics at each corner simulated, their worst case per spec (what an optimizer sizes
for: `metrics_field`), whether the other corners were skipped, and how many simulations ran.
Both specs are at-most specs. Their ranges are not PPAAS's numbers (its delay and "power" are
measured otherwise, see the server's docstring) but are placed as PPAAS's are, below the initial
point and from the reachable to beyond the front that a short search found (the server's docstring).

Only a server started for gf180mcu (`start_server.py --pdk gf180mcu`) simulates it; any other
answers 404 `not_found` naming the flag (the Rpc stays in every server's schema).
"""

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

from ..corner_sets import GF180MCU, Gf180mcuCornerSet
from ..optimization import CircuitOptimization, MetricSpec, Range, Sense, grid_field, option_field

_WIDTH: dict[str, Any] = dict(lo=0.5, hi=100.0, step=0.01, unit="um")
_INITIAL_W = 33.3


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class CompMetrics:
    """The comparator's two metrics at one corner, or their worst case over several, or a target."""

    delay: float = Field(
        description="clock's rising edge at VDD/2 to the deciding output's fall through VDD/2, in the second cycle; "
        "2 ns (the evaluation phase) without a valid decision (s)"
    )
    power: float = Field(description="the supply's average power over one whole clock period, evaluation and reset (W)")


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class CompInput:
    """The comparator's six widths (NMOS L = 0.3 um, PMOS L = 0.6 um) and which corners to simulate them at.

    Each width's `initial` is PPAAS's initial point: 33.3 um.
    """

    wn1: float = grid_field(_INITIAL_W, **_WIDTH, description="NMOS tail (gate on the clock) width")
    wn2: float = grid_field(_INITIAL_W, **_WIDTH, description="NMOS input pair width")
    wn3: float = grid_field(_INITIAL_W, **_WIDTH, description="NMOS cross-coupled pair width")
    wp1: float = grid_field(_INITIAL_W, **_WIDTH, description="PMOS cross-coupled pair width")
    wp2: float = grid_field(_INITIAL_W, **_WIDTH, description="PMOS output reset switches width")
    wp3: float = grid_field(_INITIAL_W, **_WIDTH, description="PMOS internal-node (input pair drains) reset switches width")
    corner_set: Gf180mcuCornerSet = GF180MCU.field()
    target: CompMetrics | None = option_field(
        None, description="skip-on-fail: simulate the other corners only if the typical one meets every spec of this target"
    )


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class CompOutput:
    """A design at a corner set. `corners` holds only the corners simulated, in the set's order."""

    corners: dict[str, CompMetrics] = Field(description="metrics by corner name (e.g. `ff_3.6V_-40C`)")
    worst: CompMetrics = Field(description="each spec's worst value over `corners`: the highest (both are at-most specs)")
    skipped: bool = Field(description="the typical corner missed the target, so no other corner was simulated")
    simulations: int = Field(description="simulations this evaluation ran (one per corner in `corners`)")


ppaas_comp_sim = Rpc(
    name="ppaas_comp_sim",
    input_type=CompInput,
    return_type=CompOutput,
    docstring="""Simulate PPAAS's StrongARM comparator on gf180mcu at a corner set (a transient of
    2.4 clock periods per corner, in parallel over the server's workers); returns the metrics at
    each corner simulated and their worst case. Needs a server started with --pdk gf180mcu.""",
    deterministic=True,  # libngspice and ngspice -b agree to the last bit; the cache's namespace is the PDK's model files
    usage_field="simulations",  # a caller's usage counts the corners simulated: 17, or 1 when skip-on-fail stopped at typical
    cost=GF180MCU.cost,  # the simulations at the corner set it names: a client's batch requests carry 512 at most
)

PPAAS_COMP: CircuitOptimization[CompInput, CompOutput] = CircuitOptimization(
    name="ppaas_comp",
    sim=ppaas_comp_sim,
    metrics=(
        MetricSpec("delay", Range(150e-12, 300e-12), normalizer=225e-12, sense=Sense.AT_MOST, unit="s"),
        MetricSpec("power", Range(0.5e-3, 1.5e-3), normalizer=1.0e-3, sense=Sense.AT_MOST, unit="W"),
    ),
    description="PPAAS's StrongARM comparator on gf180mcu, sized for its worst case over 17 PVT corners",
    metrics_field="worst",
)
