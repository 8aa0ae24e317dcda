"""The served two-stage op-amp against the AutoCkt reference and against a netlist written by hand."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

import autockt_ckt.handlers  # noqa: F401  (attaches the handlers: in-process)
from autockt_ckt.circuits.two_stage_opamp import two_stage_bench
from autockt_ckt.metrics import opamp_metrics, unity_gain_crossing
from autockt_ckt.settings import Settings
from autockt_shared import TWO_STAGE_OPAMP, OpAmpInput, OpAmpOutput, auto_ckt_sim_hdl21

from .hand_netlist import assert_outputs_agree, run_by_hand


def test_reset_point_matches_the_autockt_reference() -> None:
    out = auto_ckt_sim_hdl21(TWO_STAGE_OPAMP.initial_input())
    assert out.gain == pytest.approx(357.0, rel=0.005)
    assert out.ugbw == pytest.approx(9.64e6, rel=0.01)
    assert out.phm == pytest.approx(7.7, abs=0.3)
    assert out.ibias == pytest.approx(76.2e-6, rel=0.01)


HAND_NETLIST = """* two-stage Miller op-amp, AutoCkt benchmark, written by hand
.include {model}
.options num_threads=1
vdd vdd 0 dc 1.2
ibias vdd net7 dc 30u
vinp in_p 0 dc 0.6 ac 0.5
vinn in_n 0 dc 0.6 ac 0.5 180
cl out 0 10p
mp1 net4 net4 vdd vdd pmos w=0.5u l=90n m={mp1}
mp2 net5 net4 vdd vdd pmos w=0.5u l=90n m={mp1}
mn1 net4 in_n net3 net3 nmos w=0.5u l=90n m={mn1}
mn2 net5 in_p net3 net3 nmos w=0.5u l=90n m={mn1}
mn3 net3 net7 0 0 nmos w=0.5u l=90n m={mn3}
mn4 net7 net7 0 0 nmos w=0.5u l=90n m={mn4}
mp3 out net5 vdd vdd pmos w=0.5u l=90n m={mp3}
mn5 out net7 0 0 nmos w=0.5u l=90n m={mn5}
cc net5 out {cc}
.op
.ac dec 10 1 10g
.end
"""


def simulate_by_hand(inp: OpAmpInput, workdir: Path) -> OpAmpOutput:
    """`ngspice -b` on the hand-written netlist; metrics by the same definitions as the server's."""
    netlist = HAND_NETLIST.format(model=Settings.from_env().model_path, **vars(inp))
    return opamp_metrics(
        run_by_hand(netlist, workdir, two_stage_bench(Settings.from_env()).run_order), output_node="out", supply_source="vdd"
    )


def test_twenty_random_points_agree_with_a_hand_written_netlist(tmp_path: Path) -> None:
    rng = random.Random(2020)
    for _ in range(20):
        inp = TWO_STAGE_OPAMP.make_input(TWO_STAGE_OPAMP.sample_values(rng))
        assert_outputs_agree(auto_ckt_sim_hdl21(inp), simulate_by_hand(inp, tmp_path), inp)


NO_CROSSING = OpAmpInput(mp1=34, mn1=34, mp3=1, mn3=34, mn4=34, mn5=100, cc=2.1e-12)
"""A 1x second-stage PMOS against a 100x current sink: the output sits at ground, gain < 1."""


def test_no_unity_gain_crossing_gives_the_documented_finite_values() -> None:
    out = auto_ckt_sim_hdl21(NO_CROSSING)
    assert 0 < out.gain < 1
    assert (out.ugbw, out.phm) == (0.0, 0.0)
    assert 0 < out.ibias < 1e-3
    metrics = TWO_STAGE_OPAMP.metric_values(out)
    target = {"gain": 200.0, "ugbw": 1e6, "phm": 60.0, "ibias": 1e-2}
    assert TWO_STAGE_OPAMP.score(metrics, target) == pytest.approx(-3.0, abs=0.02)  # gain, ugbw, phm each near -1


def test_a_phase_that_rises_above_its_low_frequency_value_gives_no_margin() -> None:
    """A closed form: 1000 / (1 - s/p)^2, two right-half-plane poles at 1 MHz, whose phase rises toward +180 deg."""
    freq = np.logspace(0, 10, 101)
    response = 1000 / (1 - 1j * freq / 1e6) ** 2
    ugbw, phm = unity_gain_crossing(freq, np.abs(response), np.degrees(np.unwrap(np.angle(response))))
    assert ugbw == pytest.approx(1e6 * np.sqrt(999), rel=0.02)
    assert phm == 0.0
    stable = 1000 / (1 + 1j * freq / 1e6) ** 2  # the same poles in the left half plane: a margin of about 3.6 deg
    assert unity_gain_crossing(freq, np.abs(stable), np.degrees(np.unwrap(np.angle(stable))))[1] == pytest.approx(3.6, abs=0.3)
