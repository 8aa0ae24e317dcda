"""
# PPAAS's low-dropout regulator (LDO) on sky130's 5 V devices at its PVT corners: wire types, Rpc, optimization

PPAAS (ICCAD 2025) sizes this regulator for its worst case over sky130's 9 corners at a 2.0 V
supply; the topology, testbench and metric definitions are the server's
(`autockt_ckt.circuits.ppaas_ldo`, whose docstring lists where they deliberately differ from
PPAAS's). Parameters are physical, as PPAAS's, on grids that PPAAS's initial point (the reset
point) lies on: widths and lengths in µm on a 0.01 µm grid, the pass device's multiplier an
integer, the tail's bias voltage on PPAAS's 10 mV grid, the compensation resistor in whole ohms,
the compensation capacitor on a 0.01 pF grid and the load capacitor on a 1 pF grid.

A call carries the design, the corner set (`ppaas`, PPAAS's 9, by default; `tt` alone for a
fast start) and optionally a target: with one, skip-on-fail (the typical corner first, the
others only if it meets every spec of the target). The answer holds the metrics at each corner
simulated, their worst case per spec (what an optimizer sizes for: `metrics_field`), whether
the other corners were skipped, and how many simulations ran. The spec ranges are PPAAS's,
except where the server module's docstring says why not.

Only a server started for sky130 (`start_server.py --pdk sky130`) simulates it; any other
answers 404 `not_found` naming the flag (the Rpc stays in every server's schema).
"""

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

from ..corner_sets import SKY130, Sky130CornerSet
from ..optimization import CircuitOptimization, MetricSpec, Range, Sense, grid_field, option_field

_WIDTH: dict[str, Any] = dict(lo=1.0, hi=100.0, step=0.01, unit="um")
_LENGTH: dict[str, Any] = dict(lo=0.5, hi=2.0, step=0.01, unit="um")


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class LdoMetrics:
    """The LDO's nine metrics at one corner, or their worst case over several, or a target.

    Full load is 10 mA, light load 10 uA; PSRR is -20 log10 of the largest |vreg / vdd| over a
    band (dB, higher is better), so a negative value means supply ripple amplified."""

    vdrop: float = Field(description="supply minus regulated output at 2.0 V and full load (V); 0.2 V is an exact 1.8 V output")
    psrr_full_10khz: float = Field(description="full load, worst PSRR from 1 Hz to 10 kHz (dB)")
    psrr_full_1mhz: float = Field(description="full load, worst PSRR from 1 Hz to 1 MHz (dB)")
    psrr_full_above_1mhz: float = Field(description="full load, worst PSRR from 1 MHz to 10 GHz (dB)")
    psrr_light_10khz: float = Field(description="light load, worst PSRR from 1 Hz to 10 kHz (dB)")
    psrr_light_1mhz: float = Field(description="light load, worst PSRR from 1 Hz to 1 MHz (dB)")
    psrr_light_above_1mhz: float = Field(description="light load, worst PSRR from 1 MHz to 10 GHz (dB)")
    phm_full: float = Field(description="phase margin of the loop gain at full load (deg); 0 when unstable or below unity")
    phm_light: float = Field(description="phase margin of the loop gain at light load (deg); 0 when unstable or below unity")


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class LdoInput:
    """The LDO's thirteen design parameters and which corners to simulate them at.

    Each one's `initial` is PPAAS's initial point: 13, 2, 80, 0.5, 14.27, 1.22, 63.65, 0.5 um,
    142, 1.37 V, 476 ohm, 0.83 pF, 477 pF.
    """

    w_m1: float = grid_field(13.0, **_WIDTH, description="NMOS input pair m1 (feedback) / m2 (reference) width")
    l_m1: float = grid_field(2.0, **_LENGTH, description="NMOS input pair length")
    w_m3: float = grid_field(80.0, **_WIDTH, description="PMOS mirror m3 / m4 (diode) width")
    l_m3: float = grid_field(0.5, **_LENGTH, description="PMOS mirror length")
    w_m5: float = grid_field(14.27, **_WIDTH, description="NMOS tail m5 width")
    l_m5: float = grid_field(1.22, **_LENGTH, description="NMOS tail length")
    w_pass: float = grid_field(63.65, 10.0, 100.0, 0.01, unit="um", description="PMOS pass device width, per copy")
    l_pass: float = grid_field(0.5, 0.5, 1.0, 0.01, unit="um", description="PMOS pass device length")
    m_pass: int = grid_field(142, 100, 2000, 1, description="PMOS pass device: copies in parallel")
    vb: float = grid_field(1.37, 0.9, 1.4, 0.01, unit="V", description="gate voltage of the tail m5")
    rfb: float = grid_field(476.0, 400.0, 10_000.0, 1.0, unit="ohm", description="compensation resistor, from the pass gate")
    cfb: float = grid_field(0.83, 0.2, 10.0, 0.01, unit="pF", description="compensation capacitor, in series with rfb, to the output")
    cl: float = grid_field(477.0, 20.0, 550.0, 1.0, unit="pF", description="load capacitor on the output")
    corner_set: Sky130CornerSet = SKY130.field()
    target: LdoMetrics | None = option_field(
        None, description="skip-on-fail: simulate the other corners only if the typical one meets every spec of this target"
    )


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class LdoOutput:
    """A design at a corner set. `corners` holds only the corners simulated, in the set's order."""

    corners: dict[str, LdoMetrics] = Field(description="metrics by corner name (e.g. `ff_2V_-40C`)")
    worst: LdoMetrics = Field(
        description="each spec's worst value over `corners`: the lowest of an at-least spec, the highest of an at-most one"
    )
    skipped: bool = Field(description="the typical corner missed the target, so no other corner was simulated")
    simulations: int = Field(description="simulations this evaluation ran (one per corner in `corners`)")


ppaas_ldo_sim = Rpc(
    name="ppaas_ldo_sim",
    input_type=LdoInput,
    return_type=LdoOutput,
    docstring="""Simulate PPAAS's LDO on sky130's 5 V devices at a corner set (operating point and AC
    of six copies: supply rejection and Tian loop gain at full and light load, per corner, in
    parallel over the server's workers); returns the metrics at each corner simulated and their
    worst case. Needs a server started with --pdk sky130.""",
    deterministic=True,  # libngspice and ngspice -b agree to the last bit; the cache's namespace is the PDK's model files
    usage_field="simulations",  # a caller's usage counts the corners simulated: 9, or 1 when skip-on-fail stopped at typical
    cost=SKY130.cost,  # the simulations at the corner set it names: a client's batch requests carry 512 at most
)

_DB = "dB"

PPAAS_LDO: CircuitOptimization[LdoInput, LdoOutput] = CircuitOptimization(
    name="ppaas_ldo",
    sim=ppaas_ldo_sim,
    metrics=(
        MetricSpec("vdrop", Range(0.25, 0.3501), normalizer=0.22, sense=Sense.AT_MOST, unit="V"),
        MetricSpec("psrr_full_10khz", Range(20.0, 25.0), normalizer=30.0, sense=Sense.AT_LEAST, unit=_DB),
        MetricSpec("psrr_full_1mhz", Range(10.0, 15.0), normalizer=20.0, sense=Sense.AT_LEAST, unit=_DB),
        MetricSpec("psrr_full_above_1mhz", Range(0.0, 0.01), normalizer=5.0, sense=Sense.AT_LEAST, unit=_DB),
        MetricSpec("psrr_light_10khz", Range(10.0, 20.0), normalizer=30.0, sense=Sense.AT_LEAST, unit=_DB),
        MetricSpec("psrr_light_1mhz", Range(10.0, 15.0), normalizer=20.0, sense=Sense.AT_LEAST, unit=_DB),
        MetricSpec("psrr_light_above_1mhz", Range(10.0, 20.0), normalizer=5.0, sense=Sense.AT_LEAST, unit=_DB),
        MetricSpec("phm_full", Range(60.0, 60.01), normalizer=60.0, sense=Sense.AT_LEAST, unit="deg"),
        MetricSpec("phm_light", Range(60.0, 60.01), normalizer=60.0, sense=Sense.AT_LEAST, unit="deg"),
    ),
    description="PPAAS's LDO on sky130's 5 V devices at 2.0 V, sized for its worst case over 9 PVT corners",
    metrics_field="worst",
)
