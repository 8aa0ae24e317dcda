"""The master-slave flip-flop: its nested input in the optimization vocabulary and on the wire, its
metrics on known points, against a netlist written by hand, over HTTP, and as an environment."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from pathlib import Path

import hdl21.sim as hs
import httpx
import pydantic
import pytest
from fastapi import FastAPI
from gymnasium.utils.env_checker import check_env

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
from autockt import AutoCktGym, EnvConfig, SimulatorConfig
from autockt_ckt.circuits._timing import WINDOW
from autockt_ckt.circuits.flip_flop import ff_sizes, measure_flip_flop
from autockt_ckt.pool import SimulatorPool
from autockt_shared import Range, Sense, grid_values
from autockt_shared.circuits.flip_flop import FLIP_FLOP, FlipFlopInput, FlipFlopOutput, flip_flop_sim
from autockt_shared.circuits.latch import LATCH, LatchInput

from .hand_netlist import assert_outputs_agree
from .test_latch import FAST, STUCK, by_hand

RESET = FLIP_FLOP.initial_input()
FAST_FF = FlipFlopInput(l1=FAST, l2=FAST)
STUCK_FF = FlipFlopInput(l1=STUCK, l2=LATCH.initial_input())
"""A master that never follows D: no clock-to-Q to measure."""

_served: dict[str, FlipFlopOutput] = {}


def served(inp: FlipFlopInput) -> FlipFlopOutput:
    """`flip_flop_sim(inp)` in-process, once per input for this module (an evaluation is 8 transients)."""
    if repr(inp) not in _served:
        _served[repr(inp)] = flip_flop_sim(inp)
    return _served[repr(inp)]


def test_nested_latches_are_one_flat_grid_named_by_path() -> None:
    params = FLIP_FLOP.params
    assert [p.name for p in params] == [f"l{k}.w{i}" for k in (1, 2) for i in range(1, 11)]
    assert all(p.range == Range(1, 100) and p.step == 1 and p.integer for p in params)
    assert FLIP_FLOP.initial_values() == {f"l{k}.{p.name}": p.initial for k in (1, 2) for p in LATCH.params}
    assert RESET == FlipFlopInput(l1=LATCH.initial_input(), l2=LATCH.initial_input())


def test_make_input_builds_the_nested_input_back_from_grid_indices() -> None:
    rng = random.Random(3)
    indices = [rng.randrange(p.grid_size) for p in FLIP_FLOP.params]
    inp = FLIP_FLOP.make_input(grid_values(FLIP_FLOP.params, indices))
    assert isinstance(inp.l1, LatchInput) and isinstance(inp.l2, LatchInput)
    flat = {f"{latch}.{k}": v for latch, group in dataclasses.asdict(inp).items() for k, v in group.items()}
    assert [FLIP_FLOP.params[i].index_of(flat[p.name]) for i, p in enumerate(FLIP_FLOP.params)] == indices


@pytest.mark.parametrize(
    ("change", "loc"),
    [({"l1.w1": 0}, ("l1", "w1")), ({"l2.w10": 101}, ("l2", "w10")), ({"l3.w1": 5}, ("l3.w1",))],
)
def test_a_bad_nested_parameter_is_refused_naming_its_path(change: dict[str, int], loc: tuple[str, ...]) -> None:
    with pytest.raises(pydantic.ValidationError) as err:
        FLIP_FLOP.make_input({**FLIP_FLOP.initial_values(), **change})
    assert [e["loc"] for e in err.value.errors()] == [loc]
    missing = {k: v for k, v in FLIP_FLOP.initial_values().items() if k != "l2.w5"}
    with pytest.raises(pydantic.ValidationError, match="l2\\.w5|w5"):
        FLIP_FLOP.make_input(missing)


def test_reset_point_has_the_documented_figures() -> None:
    out = served(RESET)
    assert out.output_delay == pytest.approx(589e-12, rel=0.01)
    assert out.power == pytest.approx(413e-6, rel=0.01)
    assert out.setup_time == pytest.approx(700e-12, rel=0.02)
    assert out.hold_time == pytest.approx(-201e-12, rel=0.05)  # negative: D may change before the edge


def test_fast_latches_make_a_faster_flip_flop_and_a_stuck_master_reports_the_stand_ins() -> None:
    reset, fast = served(RESET), served(FAST_FF)
    assert fast.output_delay < 0.7 * reset.output_delay and fast.setup_time < 0.7 * reset.setup_time
    stuck = served(STUCK_FF)
    assert (stuck.output_delay, stuck.setup_time, stuck.hold_time) == (WINDOW, WINDOW, WINDOW)


HAND_FLIP_FLOP = """* master-slave flip-flop of two clocked CMOS latches, two copies on one clock, written by hand
.include {model}
.options num_threads=1 reltol=5e-4 trtol=1 bypass=1
.subckt latch vdd d clk ckb q w1=1 w2=1 w3=1 w4=1 w5=1 w6=1 w7=1 w8=1 w9=1 w10=1
mn1 qb d clk_gnd 0 nmos w=0.5u l=90n m={{w1}}
mp1 qb d ckb_vdd vdd pmos w=0.5u l=90n m={{w2}}
mn2 qb q ckb_gnd 0 nmos w=0.5u l=90n m={{w3}}
mp2 qb q clk_vdd vdd pmos w=0.5u l=90n m={{w4}}
mn3 q qb 0 0 nmos w=0.5u l=90n m={{w5}}
mp3 q qb vdd vdd pmos w=0.5u l=90n m={{w6}}
mp4 clk_vdd clk vdd vdd pmos w=0.5u l=90n m={{w7}}
mp5 ckb_vdd ckb vdd vdd pmos w=0.5u l=90n m={{w8}}
mn4 ckb_gnd ckb 0 0 nmos w=0.5u l=90n m={{w9}}
mn5 clk_gnd clk 0 0 nmos w=0.5u l=90n m={{w10}}
.ends
.subckt ff vdd d clk ckb q qm
xmaster vdd d ckb clk qm latch w1={l1_w1} w2={l1_w2} w3={l1_w3} w4={l1_w4} w5={l1_w5} w6={l1_w6} w7={l1_w7} w8={l1_w8} w9={l1_w9} w10={l1_w10}
xslave vdd qm clk ckb q latch w1={l2_w1} w2={l2_w2} w3={l2_w3} w4={l2_w4} w5={l2_w5} w6={l2_w6} w7={l2_w7} w8={l2_w8} w9={l2_w9} w10={l2_w10}
.ends
.subckt tb
vvdd vdd 0 dc 1.2
vvclk clk 0 pulse(0 1.2 1.55n 20p 20p 1 2)
vvckb ckb 0 pulse(1.2 0 1.55n 20p 20p 1 2)
vvdr dr 0 pulse(0 1.2 {data_delay} 20p 20p {data_width} 2)
vvdf df 0 pulse(1.2 0 {data_delay} 20p 20p {data_width} 2)
xr vdd dr clk ckb qr qmr ff
xf vdd df clk ckb qf qmf ff
clr qr 0 20f
clf qf 0 20f
.ends
xtop tb
.ic v(xtop.qr)=0 v(xtop.qf)=1.2
.tran 67p 3.35n 0 67p
.end
"""


def test_served_metrics_agree_with_a_hand_written_netlist(tmp_path: Path) -> None:
    run = by_hand(HAND_FLIP_FLOP, hs.Tran(tstop=3.35e-9, tstep=67e-12, name="tran"), tmp_path)
    for inp in (RESET, FAST_FF):
        ours, reference = served(inp), measure_flip_flop(run, ff_sizes(inp))
        assert_outputs_agree(ours, reference, inp)


def test_served_over_http_from_a_pool_equals_the_in_process_result(
    serve: Callable[[FastAPI], ds.BackgroundServer], sim_pool: SimulatorPool
) -> None:
    handlers.use_pool(sim_pool)
    try:
        server = serve(ds.create_app(rpcs=[flip_flop_sim]))
        with dc.Client(dc.Config(server_url=server.url)) as client:
            remote = client.call(flip_flop_sim, STUCK_FF)
        body = pydantic.TypeAdapter(FlipFlopInput).dump_python(RESET)
        body["l2"]["w5"] = 0
        refused = httpx.post(f"{server.url}/flip_flop_sim", json=body)
    finally:
        handlers.use_pool(None)
    assert isinstance(remote, FlipFlopOutput) and remote == served(STUCK_FF)
    assert refused.status_code == 422
    assert [tuple(f["loc"]) for f in refused.json()["details"]["fields"]] == [("l2", "w5")]


def test_gymnasium_env_checker_passes() -> None:
    env = AutoCktGym(EnvConfig(circuit=FLIP_FLOP.name, simulator=SimulatorConfig(in_process=True)))
    check_env(env, skip_render_check=True)
    assert env.simulator.calls > 0  # the checker's steps really simulated


def test_the_reset_point_meets_not_even_the_easiest_target() -> None:
    easiest = {m.name: m.range.lo if m.sense is Sense.AT_LEAST else m.range.hi for m in FLIP_FLOP.metrics}
    assert not FLIP_FLOP.reached(FLIP_FLOP.metric_values(served(RESET)), easiest)
