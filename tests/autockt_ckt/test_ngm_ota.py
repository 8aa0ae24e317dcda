"""The negative-gm OTA: its metrics on known points, against a netlist written by hand, over HTTP, and as an environment."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from gymnasium.utils.env_checker import check_env

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
from autockt import AutoCktGym, EnvConfig, SimulatorConfig
from autockt_ckt.circuits.ngm_ota import ngm_bench, ngm_metrics
from autockt_ckt.pool import SimulatorPool
from autockt_ckt.settings import Settings
from autockt_shared import OpAmpOutput, Sense
from autockt_shared.circuits.ngm_ota import NGM_OTA, NgmOtaInput, two_stage_op_amp_ngm_sim

from .hand_netlist import assert_outputs_agree, run_by_hand

RESET = NGM_OTA.initial_input()


def test_reset_point_is_a_stable_amplifier_of_the_documented_figures() -> None:
    out = two_stage_op_amp_ngm_sim(RESET)
    assert out.gain == pytest.approx(171.0, rel=0.01)
    assert out.ugbw == pytest.approx(1.94e8, rel=0.01)
    assert out.phm == pytest.approx(18.7, abs=0.3)
    assert out.ibias == pytest.approx(82e-6, rel=0.01)


def test_more_negative_gm_raises_the_gain_until_the_first_stage_latches() -> None:
    gains = [two_stage_op_amp_ngm_sim(dataclasses.replace(RESET, wn_gm=wn_gm)).gain for wn_gm in (4, 6, 8)]
    assert gains == sorted(gains) and gains[-1] > 2 * gains[0]
    latched = two_stage_op_amp_ngm_sim(dataclasses.replace(RESET, wn_gm=14))  # out-conducts the diodes (wd = 10)
    assert (latched.gain, latched.ugbw, latched.phm) == (0.0, 0.0, 0.0)
    assert 0 < latched.ibias < 1e-3


def test_a_second_stage_the_common_mode_feedback_cannot_balance_loses_its_gain() -> None:
    # the fixed sources out-source the common-source devices: the outputs sit near VDD
    starved = two_stage_op_amp_ngm_sim(dataclasses.replace(RESET, wtail1=10, wd1=4))
    assert starved.gain < 5


HAND_NETLIST = """* fully differential negative-gm two-stage OTA with its CMFB amplifier, written by hand
.include {model}
.options num_threads=1
vdd vdd 0 dc 1.2
vref ref 0 dc 0.5
vcm vcm 0 dc 0.6
ibias v1 0 dc 20u
vinp inp 0 dc 0.6 ac 0.5
vinn inn 0 dc 0.6 ac 0.5 180
cl1 v3 0 50f
cl2 v9 0 50f
mtailr v2 v1 vdd vdd pmos w=0.5u l=90n m={wtailr}
mref v1 ref v2 vdd pmos w=0.5u l=90n m={wref}
mtail v7 v1 vdd vdd pmos w=0.5u l=90n m={wtail}
min1 v5 inp v7 v7 pmos w=0.5u l=90n m={win}
min2 v6 inn v7 v7 pmos w=0.5u l=90n m={win}
md1 v5 v5 0 0 nmos w=0.5u l=90n m={wd}
md2 v6 v6 0 0 nmos w=0.5u l=90n m={wd}
mngm1 v5 v6 0 0 nmos w=0.5u l=90n m={wn_gm}
mngm2 v6 v5 0 0 nmos w=0.5u l=90n m={wn_gm}
mtail11 v3 v1 vdd vdd pmos w=0.5u l=90n m={wtail1}
mtail12 v9 v1 vdd vdd pmos w=0.5u l=90n m={wtail1}
mcm1 v3 cm vdd vdd pmos w=0.5u l=90n m={wcm}
mcm2 v9 cm vdd vdd pmos w=0.5u l=90n m={wcm}
md11 v3 v5 0 0 nmos w=0.5u l=90n m={wd1}
md12 v9 v6 0 0 nmos w=0.5u l=90n m={wd1}
rf1 v3 v4 {rf}
cc1 v4 v5 {cc}
rf2 v9 v8 {rf}
cc2 v8 v6 {cc}
mftail c7 v1 vdd vdd pmos w=0.5u l=90n m=8
mfsp ca v3 c7 c7 pmos w=0.5u l=90n m=4
mfsn ca v9 c7 c7 pmos w=0.5u l=90n m=4
mfr1 cm vcm c7 c7 pmos w=0.5u l=90n m=4
mfr2 cm vcm c7 c7 pmos w=0.5u l=90n m=4
mfd ca ca 0 0 nmos w=0.5u l=90n m=4
mfm cm ca 0 0 nmos w=0.5u l=90n m=4
.op
.ac dec 10 10 10g
.end
"""


def simulate_by_hand(inp: NgmOtaInput, workdir: Path) -> OpAmpOutput:
    netlist = HAND_NETLIST.format(model=Settings.from_env().model_path, **vars(inp))
    return ngm_metrics(run_by_hand(netlist, workdir, ngm_bench(Settings.from_env()).run_order), out_p="v3", out_n="v9", supply_source="vdd")


def test_random_points_agree_with_a_hand_written_netlist(tmp_path: Path) -> None:
    rng = random.Random(15)
    amplifiers = 0
    for _ in range(6):
        inp = NGM_OTA.make_input(NGM_OTA.sample_values(rng))
        served, by_hand = two_stage_op_amp_ngm_sim(inp), simulate_by_hand(inp, tmp_path)
        amplifiers += served.gain > 10
        assert_outputs_agree(served, by_hand, inp)
    assert amplifiers >= 2  # the points checked include working amplifiers, not only latched or starved designs


def test_served_over_http_from_a_pool_equals_the_in_process_result(
    serve: Callable[[FastAPI], ds.BackgroundServer], sim_pool: SimulatorPool
) -> None:
    handlers.use_pool(sim_pool)
    try:
        server = serve(ds.create_app(rpcs=[two_stage_op_amp_ngm_sim]))
        with dc.Client(dc.Config(server_url=server.url)) as client:
            remote = client.call(two_stage_op_amp_ngm_sim, RESET)
    finally:
        handlers.use_pool(None)
    assert remote == two_stage_op_amp_ngm_sim(RESET)


def test_gymnasium_env_checker_passes() -> None:
    env = AutoCktGym(EnvConfig(circuit=NGM_OTA.name, simulator=SimulatorConfig(in_process=True)))
    check_env(env, skip_render_check=True)
    assert env.simulator.calls > 0  # the checker's steps really simulated


def test_the_reset_point_meets_not_even_the_easiest_target() -> None:
    easiest = {m.name: m.range.lo if m.sense is Sense.AT_LEAST else m.range.hi for m in NGM_OTA.metrics}
    assert not NGM_OTA.reached(NGM_OTA.metric_values(two_stage_op_amp_ngm_sim(RESET)), easiest)


RHP_POLES = NgmOtaInput(wtail1=2, wcm=16, win=8, wref=18, wd1=14, wd=12, wn_gm=18, wtail=6, wtailr=16, cc=1.5e-14, rf=5700.0)
"""A negative-gm pair stronger than its diodes, yet a positive gain at 10 Hz: a pair of right-half-plane poles, the phase rising about 170 deg."""


def test_right_half_plane_poles_give_no_phase_margin() -> None:
    out = two_stage_op_amp_ngm_sim(RHP_POLES)
    assert out.gain > 300 and out.ugbw > 50e6  # a gain and a bandwidth that meet every target ...
    assert out.phm == 0.0  # ... but the phase at ugbw is above its low-frequency value: no margin (not 180 + 170)
