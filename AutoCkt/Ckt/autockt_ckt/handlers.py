"""
# The Rpc handlers: importing this module attaches every AutoCkt circuit to its Rpc

Settings come from the environment (`settings.py`) once, at import, and choose the engine
(`engine_selection.py`). Each circuit is described once as a `Bench`; `engine` runs it.
Replace `engine` (before serving) to plug in another `Engine`. Simulator failures and timeouts raise `SimulationError`s, which reach
remote callers as errors carrying their type and message.
"""

import dataclasses

from autockt_shared import FoldedCascodeInput, OpAmpInput, OpAmpOutput, auto_ckt_sim_hdl21, folded_cascode_sim

from .engine import Bench, Engine
from .engine_selection import select_engine
from .folded_cascode import folded_cascode_bench
from .metrics import opamp_metrics
from .opamp_testbench import OUTPUT_NODE, SUPPLY_SOURCE
from .settings import Settings
from .two_stage_opamp import two_stage_bench

settings = Settings.from_env()
engine: Engine = select_engine(settings)
TWO_STAGE_BENCH = two_stage_bench(settings)
FOLDED_CASCODE_BENCH = folded_cascode_bench(settings)


def simulate_opamp(bench: Bench, inp: OpAmpInput | FoldedCascodeInput) -> OpAmpOutput:
    """Run an op-amp bench with the input's fields as its parameters and extract the metrics."""
    return opamp_metrics(engine.run(bench, dataclasses.asdict(inp)), OUTPUT_NODE, SUPPLY_SOURCE)


@auto_ckt_sim_hdl21.impl
def auto_ckt_sim_hdl21_impl(inp: OpAmpInput) -> OpAmpOutput:
    return simulate_opamp(TWO_STAGE_BENCH, inp)


@folded_cascode_sim.impl
def folded_cascode_sim_impl(inp: FoldedCascodeInput) -> OpAmpOutput:
    return simulate_opamp(FOLDED_CASCODE_BENCH, inp)
