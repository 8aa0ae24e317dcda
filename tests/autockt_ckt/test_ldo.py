"""The low-dropout regulator: its metrics on known points, against netlists written by hand, over HTTP, and as an environment."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from gymnasium.utils.env_checker import check_env

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
from autockt import AutoCktGym, EnvConfig, SimulatorConfig
from autockt_ckt.circuits import ldo
from autockt_ckt.pool import SimulatorPool
from autockt_ckt.settings import Settings
from autockt_shared import Sense
from autockt_shared.circuits.ldo import LDO, LdoInput, LdoOutput, ldo_sim

from .hand_netlist import assert_outputs_agree, run_by_hand

RESET = LDO.initial_input()
SMALL = LdoInput(w1=10, w3=10, w5=10, w6=10, w7r=5, w8=10, wpass=300, cc=1e-12, cf1=1e-12, cf2=0.7e-12, rrf2=100e3)
"""Every device a third of the reset point's: the same currents, higher impedances."""


def test_a_known_point_regulates_with_the_documented_figures() -> None:
    out = ldo_sim(SMALL)
    assert out.vout == pytest.approx(1.02, abs=0.005)
    assert out.dropout == pytest.approx(0.152, abs=0.005)
    assert out.load_reg == pytest.approx(9.77, rel=0.01)  # 48 mV over 4.95 mA
    assert out.psrr_lf == pytest.approx(22.75, abs=0.1)
    assert out.phm == pytest.approx(61.0, abs=1.0)
    assert out.iq == pytest.approx(91.6e-6, rel=0.01)
    assert 0.1 < out.undershoot < 0.2 and 0.1 < out.overshoot < 0.2
    assert 0 < out.settling < ldo.T_WINDOW


def test_a_pass_device_too_small_for_the_load_drops_out_with_finite_metrics() -> None:
    weak = ldo_sim(dataclasses.replace(SMALL, wpass=10))  # 10 x 0.5 um cannot carry 5 mA
    reset = ldo_sim(SMALL)
    assert weak.dropout > 3 * reset.dropout
    assert weak.load_reg > 10 * reset.load_reg
    assert weak.undershoot > reset.undershoot
    assert all(np.isfinite(list(dataclasses.asdict(weak).values())))


def test_loop_gain_and_bandwidth_come_from_the_weaker_full_load_loop() -> None:
    out = ldo_sim(SMALL)
    assert 1 < out.loop_gain < 30  # the full-load loop (the light-load one is about 200)
    assert 1e6 < out.ugbw < 1e8


def test_dropout_interpolates_the_two_percent_point_and_bounds_it_when_never_crossed() -> None:
    vdd = np.array([1.0, 1.1, 1.2])
    # in regulation at 1.2 V (1.0 V), 0.97 V at 1.1 V: 0.98 V is crossed 2/3 of the way from 1.1 V
    assert ldo.dropout(vdd, np.array([0.9, 0.97, 1.0])) == pytest.approx(1.1 + 0.1 * (0.01 / 0.03) - 0.98)
    assert ldo.dropout(vdd, np.array([0.99, 0.995, 1.0])) == pytest.approx(1.0 - 0.99)  # within 2 % down to 1.0 V


LDO_SUBCKT = """* the regulator, by hand from the circuit table
.subckt hand_ldo vdd vss vref ibias out fb fbi
m1 v1 fbi v3 v3 nmos w=0.5u l=90n m={w1}
m2 v2 vref v3 v3 nmos w=0.5u l=90n m={w1}
m3 v1 v1 vdd vdd pmos w=0.5u l=90n m={w3}
m4 v2 v1 vdd vdd pmos w=0.5u l=90n m={w3}
mc v1 vref v4 v4 nmos w=0.5u l=90n m={w8}
m8 v2 vref v5 v5 nmos w=0.5u l=90n m={w8}
m5 v3 ibias vss vss nmos w=0.5u l=90n m={w5}
m6 ibias ibias vss vss nmos w=0.5u l=90n m={w6}
m7r v4 ibias vss vss nmos w=0.5u l=90n m={w7r}
m10 v5 ibias vss vss nmos w=0.5u l=90n m={w7r}
mpass out v2 vdd vdd pmos w=0.5u l=90n m={wpass}
cc v5 out {cc}
rf1 out fb {rrf1}
cf1 out fb {cf1}
rf2 fb vss {rrf2}
cf2 fb vss {cf2}
.ends
"""

NODESET = (
    ".nodeset v(xtop.out{s})=1 v(xtop.fb{s})=0.6 v(xtop.ibias{s})=0.38 v(xtop.xldo{s}.v1)=0.78 "
    "v(xtop.xldo{s}.v2)=0.55 v(xtop.xldo{s}.v3)=0.25 v(xtop.xldo{s}.v4)=0.25 v(xtop.xldo{s}.v5)=0.25"
)

LARGE_NETLIST = (
    """* LDO large-signal bench, by hand
.include {model}
.options num_threads=1
"""
    + LDO_SUBCKT
    + """.subckt tb vss
vvdd vdd vss dc 1.2
vvref vref vss dc 0.6
iib vdd ibias dc 30u
xldo vdd vss vref ibias out fb fb hand_ldo
ccl out vss 100p
vload ctl vss pulse(5 0.05 50n 10n 10n 1u 10u)
giload out vss ctl vss 1m
.ends
xtop 0 tb
"""
    + NODESET.format(s="")
    + """
.dc v.xtop.vvdd 1.0 1.3 0.02
.tran 20n 2.07u 0 20n
.end
"""
)

AC_NETLIST = (
    """* LDO small-signal bench, by hand: loop gain at 50 uA and 5 mA, PSRR at 5 mA
.include {model}
.options num_threads=1
"""
    + LDO_SUBCKT
    + """.subckt tb vss
vvdd_light vdd_light vss dc 1.2
vvdd_full vdd_full vss dc 1.2
vvdd_psrr vdd_psrr vss dc 1.2 ac 1
vvref vref vss dc 0.6
iib_light vdd_light ibias_light dc 30u
xldo_light vdd_light vss vref ibias_light out_light fb_light fbi_light hand_ldo
vinj_light fbi_light fb_light dc 0 ac 1
iload_light out_light vss dc 50u
ccl_light out_light vss 100p
iib_full vdd_full ibias_full dc 30u
xldo_full vdd_full vss vref ibias_full out_full fb_full fbi_full hand_ldo
vinj_full fbi_full fb_full dc 0 ac 1
iload_full out_full vss dc 5m
ccl_full out_full vss 100p
iib_psrr vdd_psrr ibias_psrr dc 30u
xldo_psrr vdd_psrr vss vref ibias_psrr out_psrr fb_psrr fb_psrr hand_ldo
iload_psrr out_psrr vss dc 5m
ccl_psrr out_psrr vss 100p
.ends
xtop 0 tb
"""
    + "\n".join(NODESET.format(s=s) for s in ("_light", "_full", "_psrr"))
    + """
.nodeset v(xtop.fbi_light)=0.6 v(xtop.fbi_full)=0.6
.op
.ac dec 10 1 10g
.end
"""
)


def simulate_by_hand(inp: LdoInput, workdir: Path) -> LdoOutput:
    """`ngspice -b` on the netlists written by hand; metrics by the same definitions as the server's."""
    settings = Settings.from_env()
    values = dict(dataclasses.asdict(inp), rrf1=inp.rrf2 * (ldo.VOUT / ldo.VREF - 1), model=settings.model_path)
    large = run_by_hand(LARGE_NETLIST.format(**values), workdir, ldo.large_signal_bench(settings).run_order, name="large")
    small = run_by_hand(AC_NETLIST.format(**values), workdir, ldo.ac_bench(settings).run_order, name="ac")
    return ldo.ldo_metrics(large, small)


def test_random_points_agree_with_netlists_written_by_hand(tmp_path: Path) -> None:
    rng = random.Random(16)
    regulating = 0
    for _ in range(4):
        inp = LDO.make_input(LDO.sample_values(rng))
        served, by_hand = ldo_sim(inp), simulate_by_hand(inp, tmp_path)
        regulating += abs(served.vout - ldo.VOUT) < 0.05 and served.phm > 0
        assert_outputs_agree(served, by_hand, inp)
    assert regulating >= 2  # the points checked include working regulators, not only broken ones


def test_served_over_http_from_a_pool_equals_the_in_process_result(
    serve: Callable[[FastAPI], ds.BackgroundServer], sim_pool: SimulatorPool
) -> None:
    handlers.use_pool(sim_pool)
    try:
        server = serve(ds.create_app(rpcs=[ldo_sim]))
        with dc.Client(dc.Config(server_url=server.url)) as client:
            remote = client.call(ldo_sim, RESET)
    finally:
        handlers.use_pool(None)
    assert remote == ldo_sim(RESET)


def test_gymnasium_env_checker_passes() -> None:
    env = AutoCktGym(EnvConfig(circuit=LDO.name, simulator=SimulatorConfig(in_process=True)))
    check_env(env, skip_render_check=True)
    assert env.simulator.calls > 0  # the checker's steps really simulated


def test_the_reset_point_meets_not_even_the_easiest_target() -> None:
    easiest = {m.name: m.range.lo if m.sense is Sense.AT_LEAST else m.range.hi for m in LDO.metrics}
    assert not LDO.reached(LDO.metric_values(ldo_sim(RESET)), easiest)
