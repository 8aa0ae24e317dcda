"""
# The low-dropout regulator of the original CktGym (`ldo_sim`): wire types, Rpc and optimization problem

A PMOS pass device driven by a one-stage NMOS-input error amplifier, compensated by a
capacitor from the output into a common-gate (cascode) node of the amplifier's output branch;
after Fig. 2.10 of K. Settaluri's thesis (EECS-2022-27). The circuit, its testbenches and the
metric definitions are in `autockt_ckt.circuits.ldo`.

## Operating conditions (testbench constants, not design parameters)
Supply VDD = 1.2 V nominal (line sweep 1.0-1.3 V); reference 0.6 V (an ideal source, as a
bandgap's buffered output would be); output 1.0 V nominal; 30 uA bias current into the m6
diode; load 50 uA to 5 mA with 100 pF on the output (an on-chip, capacitor-less LDO). These
are the conditions a regulator is specified for; a design parameter for VDD or ibias would
let an optimizer buy its specs with a better supply.

## Design parameters, and what changed from CktGym
CktGym's fields, in real units: device multipliers (W = 0.5 um, L = 90 nm each) `w1 .. w6,
w7r, w8, wc, w10, wpass`, the compensation capacitor `cc` (CktGym's `Cc`), the feedback
capacitors `cf1` (across the top divider resistor: a feed-forward zero) and `cf2` (across the
bottom one), and the bottom divider resistor `rrf2`. CktGym's `Rrf1` is gone: with both
resistors free the output voltage is a design variable, and an optimizer would lower it for
headroom; the output voltage is the regulator's specification, so the top resistor follows
from it, Rrf1 = rrf2 (VOUT / VREF - 1). `rrf2` still sets the divider's current and its pole.
`VDD` and `ibias` are testbench constants (above).

## How the spec ranges were chosen
Six of `LdoOutput`'s metrics are specs: output accuracy, dropout, load regulation, phase
margin, quiescent current and load-step undershoot (the output keeps all of them: line
regulation, PSRR at 10 kHz and 1 MHz, loop gain and bandwidth, overshoot and settling too).
`vout_error` is a spec so that no design whose loop has latched (pass device fully on)
passes on the dropout and regulation figures, which are relative to its own output.

The ranges come from a map of what the circuit reaches, made with
`benchmarks/target_difficulty.py`'s archive (its `simulate`, `search` and Pareto front; every
metric kept): 5,000 uniform grid points plus 16 coordinate searches (600 simulations each)
toward targets beyond the ranges: 13,554 designs, none failed, 1,487 s on 2 cores shared
with other work. Across the map every regulating design has an output error of at least
15 mV (the amplifier's systematic offset) and a load regulation of at least 5.2 V/A (a
one-stage amplifier of 90 nm devices: loop gain 20-40 dB); the sharpest trade-off is
quiescent current against undershoot (at most 60 uA: 152 mV at best; 100 uA: 85 mV;
200 uA: 62 mV). Of 1,000 targets drawn from these ranges, 93.9 % are met by some mapped
design (a lower bound on what can be reached), the best single design meets 62.9 %, and the
reset point meets none (its dropout, 161 mV, is above every target). The reset point sits in
the middle of the grid (multipliers 30, w7r 15, wpass 300, capacitors 3 / 3 / 2 pF), so that an
episode's 30 moves of -1 or +2 grid steps reach most of it; at multipliers of 10 (the first
choice) 30 % of the designs meeting some target lay out of reach in each multiplier. Narrower ranges (iq from
60 uA, undershoot from 70 mV) left 80 % reachable; adding PSRR at 1 MHz (20-30 dB) as a
seventh spec 86 %.

## Training
PPO through the server (`train_general.py --circuit ldo --env-runners 1`, 8 envs), on 2 cores
shared with an ngm_ota training: 85,048 env steps in 37 min (60,330, then resumed) reached 901
of 1,000 unseen targets greedy (931 sampled; 880 at 60k steps); 92.7 % of those targets are met
by some surveyed design, so at most 4.6 points of the gap are the circuit's reach.
"""

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

from ..optimization import CircuitOptimization, MetricSpec, Range, Sense, grid_field

_PF = 1e-12
_KOHM = 1e3
_MULTIPLIER: dict[str, Any] = dict(lo=1, hi=100, step=1)
_CAP: dict[str, Any] = dict(lo=0.1 * _PF, hi=10 * _PF, step=0.1 * _PF, unit="F")


@dataclass(config=ConfigDict(extra="forbid"))
class LdoInput:
    """Device multipliers (W = 0.5 um, L = 90 nm each), the compensation and feedback capacitors
    and the bottom feedback resistor of the LDO. Every field is required; `initial` in each
    field's schema is the reset point."""

    w1: int = grid_field(30, **_MULTIPLIER, description="NMOS error-amplifier input pair m1/m2")
    w3: int = grid_field(30, **_MULTIPLIER, description="PMOS mirror m3 (diode) / m4 (drives the pass gate)")
    w5: int = grid_field(30, **_MULTIPLIER, description="NMOS tail current source m5: w5/w6 x 30 uA")
    w6: int = grid_field(30, **_MULTIPLIER, description="NMOS bias diode m6, fed the 30 uA bias current")
    w7r: int = grid_field(15, **_MULTIPLIER, description="NMOS current sources m7r/m10 of the common-gate pair: w7r/w6 x 30 uA each")
    w8: int = grid_field(30, **_MULTIPLIER, description="NMOS common-gate pair m8 (pass-gate side, its source takes cc) / mc")
    wpass: int = grid_field(300, lo=10, hi=1000, step=10, description="PMOS pass device")
    cc: float = grid_field(3.0 * _PF, **_CAP, description="compensation capacitor, output to the m8/m10 node (CktGym's Cc)")
    cf1: float = grid_field(3.0 * _PF, **_CAP, description="feed-forward capacitor across the top divider resistor (Cf1)")
    cf2: float = grid_field(2.0 * _PF, **_CAP, description="capacitor across the bottom divider resistor (Cf2)")
    rrf2: float = grid_field(
        100 * _KOHM, 10 * _KOHM, 500 * _KOHM, 10 * _KOHM, unit="Ohm", description="bottom divider resistor; the top one is 2/3 of it (Rrf2)"
    )


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class LdoOutput:
    """An LDO's specifications as a designer states them. Always finite: NaN and infinities are
    refused. The definitions, conditions and stand-ins are those of `autockt_ckt.circuits.ldo`."""

    vout: float = Field(description="output at VDD = 1.2 V and the minimum load (V); 1.0 V nominal")
    vout_error: float = Field(description="output accuracy: the larger |vout - 1.0 V| at minimum and at full load, VDD = 1.2 V (V)")
    dropout: float = Field(description="VDD - vout at full load where vout has fallen 2 % below its value at VDD = 1.2 V (V)")
    load_reg: float = Field(description="|vout change| / load change, 50 uA to 5 mA at VDD = 1.2 V (V/A, i.e. mV/mA)")
    line_reg: float = Field(description="|vout change| / VDD change, 1.1 V to 1.3 V at full load (V/V)")
    psrr_lf: float = Field(description="power-supply rejection at 10 kHz, full load: -20 log10 |vout/vdd| (dB)")
    psrr_hf: float = Field(description="power-supply rejection at 1 MHz, full load (dB)")
    loop_gain: float = Field(description="loop gain at 1 Hz, the smaller of minimum and full load (V/V)")
    ugbw: float = Field(
        description="loop unity-gain frequency, the smaller of minimum and full load (Hz); 0.0 when the loop gain is below 1"
    )
    phm: float = Field(description="loop phase margin, the worse of minimum and full load (deg); 0.0 when undefined")
    iq: float = Field(description="quiescent (ground) current at the minimum load, VDD = 1.2 V: supply current minus load current (A)")
    undershoot: float = Field(description="drop of vout below its minimum-load level when the load steps 50 uA -> 5 mA in 10 ns (V)")
    overshoot: float = Field(description="rise of vout above its full-load level when the load steps 5 mA -> 50 uA in 10 ns (V)")
    settling: float = Field(
        description="time from a load step until vout stays within 10 mV of its new DC level, the slower step (s); 1 us when it does not"
    )


ldo_sim = Rpc(
    name="ldo_sim",
    input_type=LdoInput,
    return_type=LdoOutput,
    docstring="""Simulate the low-dropout regulator (45 nm BSIM4, ngspice): DC line and load sweeps,
    loop gain (Middlebrook voltage injection) and PSRR in AC, a load-step transient; returns dropout,
    regulation, PSRR, phase margin, quiescent current and the load-step response.""",
    deterministic=True,  # both engines give bit-identical results for the same input
)

LDO: CircuitOptimization[LdoInput, LdoOutput] = CircuitOptimization(
    name="ldo",
    sim=ldo_sim,
    metrics=(
        MetricSpec("vout_error", Range(0.02, 0.05), normalizer=0.03, sense=Sense.AT_MOST, unit="V"),
        MetricSpec("dropout", Range(0.06, 0.13), normalizer=0.1, sense=Sense.AT_MOST, unit="V"),
        MetricSpec("load_reg", Range(6.0, 15.0), normalizer=10.0, sense=Sense.AT_MOST, unit="V/A"),
        MetricSpec("phm", Range(45.0, 60.0), normalizer=60.0, sense=Sense.AT_LEAST, unit="deg"),
        MetricSpec("iq", Range(75e-6, 250e-6), normalizer=1.5e-4, sense=Sense.AT_MOST, unit="A"),
        MetricSpec("undershoot", Range(0.08, 0.17), normalizer=0.12, sense=Sense.AT_MOST, unit="V"),
    ),
    description="Capacitor-less LDO, 1.2 V to 1.0 V, 50 uA - 5 mA, 100 pF; spec ranges from its trade-off front (see module docstring)",
)
