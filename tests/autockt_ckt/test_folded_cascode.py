"""The folded-cascode op-amp works as an amplifier, agrees with a netlist written by hand, and its spec ranges are within
its reach without being met by one design."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import autockt_ckt.handlers  # noqa: F401  (attaches the handlers)
from autockt_ckt.circuits.folded_cascode import folded_cascode_bench
from autockt_ckt.metrics import opamp_metrics
from autockt_ckt.settings import Settings
from autockt_shared import FOLDED_CASCODE, FoldedCascodeInput, OpAmpOutput, Sense, folded_cascode_sim

from .hand_netlist import assert_outputs_agree, run_by_hand


def test_reset_point_is_a_stable_non_inverting_amplifier() -> None:
    inp = FOLDED_CASCODE.initial_input()
    out = folded_cascode_sim(inp)
    assert out.gain > 30
    assert 1e7 < out.ugbw < 1e9
    assert 45 < out.phm < 120  # a phase near 0 deg at DC, so the output follows inp.p
    # Designed supply current, in bias currents: 2 bias inputs, 2 PMOS gate generators, the
    # PMOS tail (2 beta) and the two top PMOS (gamma + alpha each). Short-channel mirrors miss by ~10 %.
    designed = 30e-6 * (2 + 2 + 2 * inp.beta + 2 * (inp.gamma + inp.alpha))
    assert out.ibias == pytest.approx(designed, rel=0.15)


def corner(*, hardest: bool) -> dict[str, float]:
    """The target at the hardest (or easiest) end of every range."""
    return {m.name: m.range.hi if (m.sense is Sense.AT_LEAST) == hardest else m.range.lo for m in FOLDED_CASCODE.metrics}


def test_the_reset_point_meets_not_even_the_easiest_target() -> None:
    assert not FOLDED_CASCODE.reached(FOLDED_CASCODE.simulate(FOLDED_CASCODE.initial_values()), corner(hardest=False))


def test_the_design_that_met_every_target_of_the_earlier_ranges_misses_the_hardest_target() -> None:
    # Ranges that one design meets entirely let a policy ignore its target (see autockt_shared.folded_cascode).
    universal = dict(nbias=6, pbias=9, ncasc=11, pcasc=9, ninp=19, pinp=15, alpha=3, beta=2, gamma=2, vcb=0.19, cc=1.6e-12)
    assert not FOLDED_CASCODE.reached(FOLDED_CASCODE.simulate(universal), corner(hardest=True))


def test_the_easiest_target_is_met_by_some_random_design() -> None:
    easiest = corner(hardest=False)
    rng = random.Random(3)
    designs = [FOLDED_CASCODE.sample_values(rng) for _ in range(40)]  # about 1 in 6 meets it
    assert any(FOLDED_CASCODE.reached(FOLDED_CASCODE.simulate(d), easiest) for d in designs)


HAND_NETLIST = """* rail-to-rail folded-cascode op-amp, written by hand
.include {model}
.options num_threads=1
vdd vdd 0 dc 1.2
ibias1 vdd ib1 dc 30u
ibias2 vdd ib2 dc 30u
vinp in_p 0 dc 0.6 ac 0.5
vinn in_n 0 dc 0.6 ac 0.5 180
* output stack
mptopl ftl outn vdd vdd pmos w=0.5u l=90n m={ptop}
mptopr ftr outn vdd vdd pmos w=0.5u l=90n m={ptop}
mpcascl outn pcg ftl vdd pmos w=0.5u l=90n m={pcasc_out}
mpcascr out pcg ftr vdd pmos w=0.5u l=90n m={pcasc_out}
mncascl outn ib2 fbl 0 nmos w=0.5u l=90n m={ncasc_out}
mncascr out ib2 fbr 0 nmos w=0.5u l=90n m={ncasc_out}
mnbotl fbl ib1 0 0 nmos w=0.5u l=90n m={nbot}
mnbotr fbr ib1 0 0 nmos w=0.5u l=90n m={nbot}
* NMOS input pair, cascoded tail
mninp ftl in_p nt 0 nmos w=0.5u l=90n m={nin}
mninn ftr in_n nt 0 nmos w=0.5u l=90n m={nin}
mntc nt ib2 ntm 0 nmos w=0.5u l=90n m={ntail_casc}
mnts ntm ib1 0 0 nmos w=0.5u l=90n m={ntail_src}
* PMOS input pair, cascoded tail
mpinp fbl in_p pt vdd pmos w=0.5u l=90n m={pin}
mpinn fbr in_n pt vdd pmos w=0.5u l=90n m={pin}
mptc pt pcg ptm vdd pmos w=0.5u l=90n m={ptail_casc}
mpts ptm pbg vdd vdd pmos w=0.5u l=90n m={ptail_src}
* bias
mncd ib2 ib2 ncds 0 nmos w=0.5u l=90n m={ncasc}
rnc ncds 0 {r_vcb}
mndc ib1 ib2 ndm 0 nmos w=0.5u l=90n m={ncasc}
mnd ndm ib1 0 0 nmos w=0.5u l=90n m={nbias}
mn1c pcg ib2 n1m 0 nmos w=0.5u l=90n m={ncasc}
mn1s n1m ib1 0 0 nmos w=0.5u l=90n m={nbias}
mn2c pbg ib2 n2m 0 nmos w=0.5u l=90n m={ncasc}
mn2s n2m ib1 0 0 nmos w=0.5u l=90n m={nbias}
rpc vdd pcds {r_vcb}
mpcd pcg pcg pcds vdd pmos w=0.5u l=90n m={pcasc}
mpd pdm pbg vdd vdd pmos w=0.5u l=90n m={pbias}
mpdc pbg pcg pdm vdd pmos w=0.5u l=90n m={pcasc}
cc out 0 {cc}
.op
.ac dec 10 1 10g
.end
"""


def simulate_by_hand(inp: FoldedCascodeInput, workdir: Path) -> OpAmpOutput:
    """`ngspice -b` on the hand-written netlist, each multiplier worked out here; metrics by the server's definitions."""
    netlist = HAND_NETLIST.format(
        model=Settings.from_env().model_path,
        ptop=inp.pbias * (inp.gamma + inp.alpha),
        pcasc_out=inp.pcasc * inp.gamma,
        ncasc_out=inp.ncasc * inp.gamma,
        nbot=inp.nbias * (inp.gamma + inp.beta),
        nin=inp.ninp * inp.alpha,
        ntail_casc=inp.ncasc * 2 * inp.alpha,
        ntail_src=inp.nbias * 2 * inp.alpha,
        pin=inp.pinp * inp.beta,
        ptail_casc=inp.pcasc * 2 * inp.beta,
        ptail_src=inp.pbias * 2 * inp.beta,
        r_vcb=inp.vcb / 30e-6,
        **vars(inp),
    )
    return opamp_metrics(
        run_by_hand(netlist, workdir, folded_cascode_bench(Settings.from_env()).run_order), output_node="out", supply_source="vdd"
    )


def test_random_points_agree_with_a_hand_written_netlist(tmp_path: Path) -> None:
    rng = random.Random(15)
    for _ in range(6):
        inp = FOLDED_CASCODE.make_input(FOLDED_CASCODE.sample_values(rng))
        assert_outputs_agree(folded_cascode_sim(inp), simulate_by_hand(inp, tmp_path), inp)
