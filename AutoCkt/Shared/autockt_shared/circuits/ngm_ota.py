"""
# The negative-gm two-stage OTA of the original CktGym: wire types, Rpc and optimization problem

Fully differential: a PMOS input pair loaded by NMOS diodes in parallel with a cross-coupled
NMOS pair (a negative conductance that cancels part of the diodes' and so raises the first
stage's gain), then NMOS common-source second stages with PMOS current sources and Miller
RC compensation (`rf` in series with `cc`) on each side. See `autockt_ckt.circuits.ngm_ota`
for the circuit, its common-mode feedback and its testbench.

## The design space, from CktGym's, fixed where it was wrong
CktGym's fields and grids (multipliers 4..20 step 2, reset 10; Cc 10..150 fF; Rf 0.1..6 kOhm)
are kept except:
* `wtail2` is gone: CktGym sized the two halves' second-stage sources separately, but a fully
  differential circuit is symmetric, and any mismatch between its halves is an offset that
  an open-loop gain of hundreds turns into one output at a rail. `wtail1` sizes both.
* `wtail1` is 1..10 step 1 (reset 5) and `wd1` 4..40 step 2 (reset 20): a common-source
  device carries its side's first-stage current times about `wd1 / (wd + wn_gm)`, a fixed
  source the tail current times `wtail1 / wtail`; on CktGym's grids the fixed source
  out-sourced the common-source device almost everywhere (no random design of 80 simulated
  had its outputs off the rail), so that no common-mode feedback could hold the outputs.
* `cc` and `rf` are in farads and ohms on the same grids (CktGym used its fF grid as farads).
  Their names are CktGym's `Cc` and `Rf` in lower case, as netlist parameters are.

## How the spec ranges were chosen
No published benchmark defines targets for this circuit (CktGym defined none), so they come
from a map of what it reaches, made with `benchmarks/target_difficulty.py`'s survey (its
`simulate`, `search` and `pareto_front`, seed 0): 8,000 uniform grid points plus 40 coordinate
searches toward targets beyond a first choice of ranges, 18,662 designs (none failed; 1,140 s
on the shared 2-core machine), a Pareto front of 2,020.

Gain is cheap here: that is what the negative-gm load is for (where `wn_gm = wd` the
cross-coupled pair cancels the diodes' conductance and the gain reaches 1e5 to 1e6, a
perfectly matched simulation's figure). The trade-off is bandwidth against supply current:
at phm >= 60 deg and gain >= 200, the best ugbw is about 100 MHz within 60 uA, 190 MHz
within 80 uA, 280 MHz within 100 uA and 480 MHz within 150 uA. The ranges sit on that front:
of 1,000 targets drawn from them, 93.7 % are met by some mapped design (a lower bound on what
can be reached), the best single design meets 60.8 %, and the reset point (phase margin 19
deg) meets none. The first choice (gain 100-400, ibias 50-200 uA) left 17 % of its targets
beyond every mapped design. Phase margin is fixed at 60 deg as in the two-stage benchmark;
normalizers sit inside each range.

Trained with PPO through the server (`train_general.py --circuit ngm_ota --envs-per-runner 16
--env-runners 1`, 200,368 env steps, 39 min on 2 cores shared with an LDO training), the policy
reaches 926 of 1,000 unseen targets greedily (927 sampled); 936 of those targets are met by some
surveyed design.
"""

from typing import Any

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

from ..optimization import CircuitOptimization, MetricSpec, Range, Sense, grid_field
from .two_stage_opamp import OpAmpOutput

_FF = 1e-15
_MULTIPLIER: dict[str, Any] = dict(lo=4, hi=20, step=2)


@dataclass(config=ConfigDict(extra="forbid"))
class NgmOtaInput:
    """Device multipliers (W = 0.5 um, L = 90 nm each; one field sizes both halves of a
    differential pair of devices) and the Miller RC. Every field is required; `initial` in
    each field's schema is the reset point."""

    wtail1: int = grid_field(5, lo=1, hi=10, step=1, description="PMOS fixed second-stage current sources Mtail1/Mtail2")
    wcm: int = grid_field(10, **_MULTIPLIER, description="PMOS second-stage sources driven by the common-mode feedback, Mcm_1/Mcm_2")
    win: int = grid_field(10, **_MULTIPLIER, description="PMOS input pair Min_1/Min_2")
    wref: int = grid_field(10, **_MULTIPLIER, description="PMOS bias cascode Mref (gate at Vref)")
    wd1: int = grid_field(20, lo=4, hi=40, step=2, description="NMOS second-stage common-source devices Md1_1/Md1_2")
    wd: int = grid_field(10, **_MULTIPLIER, description="NMOS first-stage diode loads Md_1/Md_2")
    wn_gm: int = grid_field(10, **_MULTIPLIER, description="NMOS cross-coupled negative-gm loads Mn_gm_1/Mn_gm_2")
    wtail: int = grid_field(10, **_MULTIPLIER, description="PMOS first-stage tail source Mtail")
    wtailr: int = grid_field(10, **_MULTIPLIER, description="PMOS bias diode Mtailr (the mirrors' reference)")
    cc: float = grid_field(50 * _FF, 10 * _FF, 150 * _FF, 5 * _FF, unit="F", description="Miller capacitor, each side (CktGym's Cc)")
    rf: float = grid_field(3000.0, 100.0, 6000.0, 100.0, unit="Ohm", description="Miller zero-nulling resistor, each side (CktGym's Rf)")


two_stage_op_amp_ngm_sim = Rpc(
    name="two_stage_op_amp_ngm_sim",
    input_type=NgmOtaInput,
    return_type=OpAmpOutput,
    docstring="""Simulate the fully differential negative-gm two-stage OTA (45 nm BSIM4, ngspice):
    operating point and AC sweep 10 Hz - 10 GHz; returns the differential gain at the
    second-stage outputs, unity-gain bandwidth, phase margin and supply current.""",
    deterministic=True,  # both engines give bit-identical results for the same input
)

NGM_OTA: CircuitOptimization[NgmOtaInput, OpAmpOutput] = CircuitOptimization(
    name="ngm_ota",
    sim=two_stage_op_amp_ngm_sim,
    metrics=(
        MetricSpec("gain", Range(100.0, 300.0), normalizer=200.0, sense=Sense.AT_LEAST, unit="V/V"),
        MetricSpec("ugbw", Range(5.0e7, 3.0e8), normalizer=1.5e8, sense=Sense.AT_LEAST, unit="Hz"),
        MetricSpec("phm", Range(60.0, 60.0000001), normalizer=60.0, sense=Sense.AT_LEAST, unit="deg"),
        MetricSpec("ibias", Range(8e-5, 1.5e-4), normalizer=1e-4, sense=Sense.AT_MOST, unit="A"),
    ),
    description="Fully differential negative-gm two-stage OTA; spec ranges from its trade-off front (see module docstring)",
)
