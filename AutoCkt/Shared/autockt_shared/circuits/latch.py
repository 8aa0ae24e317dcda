"""
# The clocked CMOS latch of the original CktGym: wire types, Rpc and optimization problem

Level-sensitive, transparent while CLK is high: a clocked input inverter (D to QB, enabled
while CLK is high), a clocked feedback inverter (Q to QB, enabled while CLK is low) and an
output inverter (QB to Q). Ten device multipliers `w1 .. w10`; see `autockt_ckt.circuits.latch`
for the devices, the testbench and how each metric is measured.

Fixed from CktGym: VDD was an input (1.2 V); a supply is no sizing variable (lowering it
would buy power and cost nothing the specs see), so it is the testbench's, fixed at 1.2 V.

## How the spec ranges were chosen
No published benchmark defines targets for this circuit, so they come from a map of what it
reaches, made by `benchmarks/target_difficulty.py`'s procedure (its own functions, run with
`--random 1500` and 4 coordinate searches of at most 150 designs each, the budget this shared
2-core machine allowed: 2,178 designs, none failed, 945 s at a load average of 16). Random
designs are poor (median clock-to-Q 705 ps, power 640 uW); the searches reach down to 169 ps
(at 505 uW) and, at 310-325 ps, 130-155 uW with setup times of 110-150 ps: delay and power
trade off, setup follows delay. The Pareto front has 45 designs.

All three metrics are at-most specs. Of 1,000 targets drawn from the ranges below, 86.6 % are
met by some mapped design (a lower bound on what can be reached: the map is thin), the best
single design meets 70.4 %, and the reset point (583 ps, 223 uW, 473 ps) meets none: its delay
and setup time lie above the ranges. Normalizers sit inside each range.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

from ..optimization import CircuitOptimization, MetricSpec, Range, Sense, grid_field

_MULTIPLIER: dict[str, Any] = dict(lo=1, hi=100, step=1)


@dataclass(config=ConfigDict(extra="forbid"))
class LatchInput:
    """Device multipliers (W = 0.5 um, L = 90 nm each). Every field is required; `initial` in
    each field's schema is CktGym's reset point: 10 for w1, w3, w5, w9, w10, 20 for the others."""

    w1: int = grid_field(10, **_MULTIPLIER, description="input inverter NMOS (gate D, drain QB)")
    w2: int = grid_field(20, **_MULTIPLIER, description="input inverter PMOS (gate D, drain QB)")
    w3: int = grid_field(10, **_MULTIPLIER, description="feedback inverter NMOS (gate Q, drain QB)")
    w4: int = grid_field(20, **_MULTIPLIER, description="feedback inverter PMOS (gate Q, drain QB)")
    w5: int = grid_field(10, **_MULTIPLIER, description="output inverter NMOS (gate QB, drain Q)")
    w6: int = grid_field(20, **_MULTIPLIER, description="output inverter PMOS (gate QB, drain Q)")
    w7: int = grid_field(20, **_MULTIPLIER, description="feedback inverter's PMOS header, gate CLK")
    w8: int = grid_field(20, **_MULTIPLIER, description="input inverter's PMOS header, gate CKB")
    w9: int = grid_field(10, **_MULTIPLIER, description="feedback inverter's NMOS footer, gate CKB")
    w10: int = grid_field(10, **_MULTIPLIER, description="input inverter's NMOS footer, gate CLK")


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class LatchOutput:
    """A latch's timing and power. Always finite: a delay that does not happen within the
    testbench's window is reported as the window (1.5 ns), and so is a setup time that cannot
    be measured (see `autockt_ckt.circuits.latch`)."""

    power: float = Field(description="VDD x average supply current over one 3 ns clock period with the data toggling (W)")
    output_delay: float = Field(description="clock-to-Q delay, the worse of Q rising and Q falling (s)")
    setup_time: float = Field(description="data-to-closing-clock-edge time below which D-to-Q delay grows past 105 % (s)")


latch_sim = Rpc(
    name="latch_sim",
    input_type=LatchInput,
    return_type=LatchOutput,
    docstring="""Simulate the clocked CMOS latch (45 nm BSIM4, ngspice transients): clock-to-Q
    delay, power and setup time.""",
    deterministic=True,  # both engines give the same results for the same input
)

LATCH: CircuitOptimization[LatchInput, LatchOutput] = CircuitOptimization(
    name="latch",
    sim=latch_sim,
    metrics=(
        MetricSpec("output_delay", Range(2.6e-10, 4.5e-10), normalizer=3.5e-10, sense=Sense.AT_MOST, unit="s"),
        MetricSpec("power", Range(1.2e-4, 4.0e-4), normalizer=2.5e-4, sense=Sense.AT_MOST, unit="W"),
        MetricSpec("setup_time", Range(1.1e-10, 2.5e-10), normalizer=1.8e-10, sense=Sense.AT_MOST, unit="s"),
    ),
    description="Clocked CMOS latch (CktGym's latch_sim); spec ranges from a survey (see module docstring)",
)
