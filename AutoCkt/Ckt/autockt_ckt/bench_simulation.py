"""
# The simulation a bench declares: its models, one ngspice thread, its parameters, its analyses

Every bench here lists the same things in the same order: what loads the models (the 45 nm
card's `.include`, or a PDK section's `.lib`), ngspice held to one thread, each netlist
parameter with its placeholder value (every run sets them all: `Bench.params`), then whatever
the bench runs (its analyses, and any lines such as a `.nodeset` before them). It is written
once here, so that no bench can leave out the thread limit or put its lines in another order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import hdl21 as h
import hdl21.sim as hs


def bench_sim(tb: h.Module, models: Sequence[hs.SimAttr], params: Mapping[str, float], analyses: Iterable[hs.SimAttr]) -> hs.Sim:
    """The simulation of testbench `tb`: `models`, one ngspice thread, `params` as netlist
    parameters (placeholder values), then `analyses` (and any lines that go with them), in that order."""
    return hs.Sim(
        tb=tb,
        attrs=[
            *models,
            hs.Options(name="num_threads", value=1),  # ngspice's 2 BSIM4 threads slow parallel workers 4-25x
            *(hs.Param(name=p, val=v) for p, v in params.items()),
            *analyses,
        ],
    )
