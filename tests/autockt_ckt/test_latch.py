"""The clocked latch: its metrics on known points, against a netlist written by hand, over HTTP, and as an environment."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path

import hdl21.sim as hs
import pytest
from fastapi import FastAPI
from gymnasium.utils.env_checker import check_env

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
from autockt import AutoCktGym, EnvConfig, SimulatorConfig
from autockt_ckt.circuits._timing import WINDOW
from autockt_ckt.circuits.latch import latch_sizes, measure_latch
from autockt_ckt.engine import TranResult
from autockt_ckt.pool import SimulatorPool
from autockt_ckt.settings import Settings
from autockt_shared import Sense
from autockt_shared.circuits.latch import LATCH, LatchInput, LatchOutput, latch_sim

from .hand_netlist import assert_outputs_agree, run_by_hand

RESET = LATCH.initial_input()
FAST = LatchInput(w1=40, w2=60, w3=5, w4=5, w5=30, w6=60, w7=10, w8=60, w9=10, w10=60)
"""Strong input path, weak feedback: faster than the reset point in every metric but power."""
STUCK = dataclasses.replace(RESET, w1=1, w10=1, w3=100, w9=100)
"""A 1-unit input stage against a 100-unit feedback inverter: Q never follows D."""

_served: dict[str, LatchOutput] = {}


def served(inp: LatchInput) -> LatchOutput:
    """`latch_sim(inp)` in-process, once per input for this module (an evaluation is 6 transients)."""
    if repr(inp) not in _served:
        _served[repr(inp)] = latch_sim(inp)
    return _served[repr(inp)]


def test_reset_point_has_the_documented_figures() -> None:
    out = served(RESET)
    assert out.output_delay == pytest.approx(583e-12, rel=0.01)
    assert out.power == pytest.approx(223e-6, rel=0.01)
    assert out.setup_time == pytest.approx(473e-12, rel=0.02)
    assert 0 < out.setup_time < out.output_delay  # a latch's setup is shorter than its D-to-Q path


def test_a_strong_input_path_and_weak_feedback_are_faster_and_set_up_sooner() -> None:
    reset, fast = served(RESET), served(FAST)
    assert fast.output_delay < 0.8 * reset.output_delay
    assert fast.setup_time < 0.8 * reset.setup_time


def test_a_latch_that_never_follows_its_data_reports_the_window_stand_ins() -> None:
    out = latch_sim(STUCK)
    assert (out.output_delay, out.setup_time) == (WINDOW, WINDOW)
    assert 0 < out.power < 1e-3


HAND_LATCH = """* clocked CMOS latch, two copies on one clock, written by hand from the device table
.include {model}
.options num_threads=1 reltol=5e-4 trtol=1 bypass=1
.subckt latch vdd d clk ckb q
mn1 qb d clk_gnd 0 nmos w=0.5u l=90n m={w1}
mp1 qb d ckb_vdd vdd pmos w=0.5u l=90n m={w2}
mn2 qb q ckb_gnd 0 nmos w=0.5u l=90n m={w3}
mp2 qb q clk_vdd vdd pmos w=0.5u l=90n m={w4}
mn3 q qb 0 0 nmos w=0.5u l=90n m={w5}
mp3 q qb vdd vdd pmos w=0.5u l=90n m={w6}
mp4 clk_vdd clk vdd vdd pmos w=0.5u l=90n m={w7}
mp5 ckb_vdd ckb vdd vdd pmos w=0.5u l=90n m={w8}
mn4 ckb_gnd ckb 0 0 nmos w=0.5u l=90n m={w9}
mn5 clk_gnd clk 0 0 nmos w=0.5u l=90n m={w10}
.ends
.subckt tb
vvdd vdd 0 dc 1.2
vvclk clk 0 pulse(1.2 0 {clk_delay} 20p 20p {clk_width} 2)
vvckb ckb 0 pulse(0 1.2 {clk_delay} 20p 20p {clk_width} 2)
vvdr dr 0 pulse(0 1.2 {data_delay} 20p 20p {data_width} 2)
vvdf df 0 pulse(1.2 0 {data_delay} 20p 20p {data_width} 2)
xr vdd dr clk ckb qr latch
xf vdd df clk ckb qf latch
clr qr 0 20f
clf qf 0 20f
.ends
xtop tb
.tran 91p 4.55n 0 91p
.end
"""


def by_hand(template: str, tran: hs.Tran, workdir: Path) -> Callable[[Mapping[str, float]], TranResult]:
    """The transient `tran` of `template` (a hand netlist with `{model}` and the bench's parameters to fill in) by `ngspice -b`."""
    model = Settings.from_env().model_path
    return lambda values: run_by_hand(template.format(model=model, **{k: repr(v) for k, v in values.items()}), workdir, [tran]).tran(
        tran.name
    )


def test_served_metrics_agree_with_a_hand_written_netlist(tmp_path: Path) -> None:
    run = by_hand(HAND_LATCH, hs.Tran(tstop=4.55e-9, tstep=91e-12, name="tran"), tmp_path)
    for inp in (RESET, FAST, LatchInput(w1=63, w2=35, w3=12, w4=27, w5=57, w6=81, w7=44, w8=70, w9=18, w10=91)):
        ours, reference = served(inp), measure_latch(run, latch_sizes(inp))
        assert ours.setup_time < WINDOW  # every point checked is a working latch, searched
        assert_outputs_agree(ours, reference, inp)


def test_served_over_http_from_a_pool_equals_the_in_process_result(
    serve: Callable[[FastAPI], ds.BackgroundServer], sim_pool: SimulatorPool
) -> None:
    handlers.use_pool(sim_pool)
    try:
        server = serve(ds.create_app(rpcs=[latch_sim]))
        with dc.Client(dc.Config(server_url=server.url)) as client:
            remote = client.call(latch_sim, FAST)
    finally:
        handlers.use_pool(None)
    assert isinstance(remote, LatchOutput) and remote == served(FAST)


def test_gymnasium_env_checker_passes() -> None:
    env = AutoCktGym(EnvConfig(circuit=LATCH.name, simulator=SimulatorConfig(in_process=True)))
    check_env(env, skip_render_check=True)
    assert env.simulator.calls > 0  # the checker's steps really simulated


def test_the_reset_point_meets_not_even_the_easiest_target() -> None:
    easiest = {m.name: m.range.lo if m.sense is Sense.AT_LEAST else m.range.hi for m in LATCH.metrics}
    assert not LATCH.reached(LATCH.metric_values(served(RESET)), easiest)
