"""PPAAS's LDO on sky130's 5 V devices (`autockt_ckt.circuits.ppaas_ldo`) against a netlist typed
here from PPAAS's table and run by `ngspice -b` with the same PDK files: every metric within
0.1 % at TT and at the two extreme corners, on two random designs;
skip-on-fail; the 5 V devices in the registry, their model bins at the
parameter box's corners; the environments build and step on it in-process."""

from __future__ import annotations

import dataclasses
import math
import pickle
import random
from pathlib import Path

import pytest

from autockt import AutoCktGoalEnv, AutoCktGym, EnvConfig, SimulatorConfig
from autockt_ckt.circuits.ppaas_ldo import INITIAL, LDO, ldo_bench, ldo_metrics
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pdks import Corner, MosSize, pdk
from autockt_shared.circuits.ppaas_ldo import PPAAS_LDO
from autockt_shared.optimization import Sense

from ..autockt_ckt.hand_netlist import assert_outputs_agree, run_by_hand

KIT = pdk("sky130")
CORNERS = ["tt_2V_27C", "ss_2V_125C", "ff_2V_-40C"]
"""Typical, slowest and fastest."""


def _mos(name: str, d: str, g: str, s: str, b: str, model: str, w: float, l: float, m: int = 1) -> str:  # noqa: E741
    """A 5 V device as PPAAS sizes it: µm, nf = 1, AD = AS = 0.29 W, PD = PS = 2 (W + 0.29), NRD = NRS = 0.29 / W."""
    return (
        f"{name} {d} {g} {s} {b} sky130_fd_pr__{model}_g5v0d10v5 w={w!r} l={l!r} nf=1 ad={0.29 * w!r} as={0.29 * w!r} "
        f"pd={2 * (w + 0.29)!r} ps={2 * (w + 0.29)!r} nrd={0.29 / w!r} nrs={0.29 / w!r} m={m}"
    )


def hand_netlist(corner: Corner, d: dict[str, float]) -> str:
    assert KIT.wheel is not None
    section = corner.process.section
    lines = [
        "* PPAAS LDO, typed by hand",
        f'.lib "{KIT.wheel.section_file(section)}" {section}',
        f".option temp={corner.temp_c!r} num_threads=1",  # ngspice's OpenMP threads spin on a busy machine
        ".subckt ldo vdd vss vref vb vreg fb",
        _mos("xm1", "a", "fb", "t", "vss", "nfet", d["w_m1"], d["l_m1"]),
        _mos("xm2", "gate", "vref", "t", "vss", "nfet", d["w_m1"], d["l_m1"]),
        _mos("xm4", "a", "a", "vdd", "vdd", "pfet", d["w_m3"], d["l_m3"]),
        _mos("xm3", "gate", "a", "vdd", "vdd", "pfet", d["w_m3"], d["l_m3"]),
        _mos("xm5", "t", "vb", "vss", "vss", "nfet", d["w_m5"], d["l_m5"]),
        _mos("xmpass", "vreg", "gate", "vdd", "vdd", "pfet", d["w_pass"], d["l_pass"], int(d["m_pass"])),
        f"rrfb gate mid {d['rfb']!r}",
        f"ccfb mid vreg {d['cfb'] * 1e-12!r}",
        f"ccl vreg vss {d['cl'] * 1e-12!r}",
        ".ends",
        ".subckt tb vss",
        f"vvdd_ac vddac vss dc {corner.vdd!r} ac 1",
        f"vvdd_dc vdddc vss {corner.vdd!r}",
        "vvref vref vss 1.8",
        f"vvb vb vss {d['vb']!r}",
    ]
    for load, current in (("full", 10e-3), ("light", 10e-6)):
        lines += [f"xpsrr_{load} vddac vss vref vb out_{load} out_{load} ldo", f"iload_{load} out_{load} vss {current!r}"]
        for stimulus in ("v", "i"):
            tag = f"{load}_{stimulus}"
            lines += [
                f"xloop_{tag} vdddc vss vref vb out_{tag} fb_{tag} ldo",
                f"iload_{tag} out_{tag} vss {current!r}",
                f"vvfb_{tag} x_{tag} fb_{tag} 0",
                f"vvinj_{tag} x_{tag} out_{tag} dc 0 ac {1 if stimulus == 'v' else 0}",
            ]
        lines.append(f"iinj_{load} vss x_{load}_i dc 0 ac 1")
    lines += [".ends", "xtop 0 tb", ".op", ".ac dec 10 1 10e9", ".end", ""]
    return "\n".join(lines)


def _corner(name: str) -> Corner:
    return next(c for c in LDO.corners("ppaas") if c.name == name)


def _designs() -> tuple[dict[str, float], dict[str, float]]:
    """A design drawn from the whole box (most do not regulate: the stand-ins' check) and one
    within 20 % of PPAAS's initial point (a regulating loop), both on the grid."""
    rng = random.Random(7)
    near = {p.name: p.value_at(p.index_of(p.initial * rng.uniform(0.8, 1.2))) for p in PPAAS_LDO.params}
    return PPAAS_LDO.sample_values(rng), near


@pytest.mark.parametrize("corner_name", CORNERS)
def test_served_metrics_agree_with_a_hand_written_netlist(corner_name: str, libngspice: LibngspiceEngine, tmp_path: Path) -> None:
    corner = _corner(corner_name)
    (tmp_path / ".spiceinit").write_text("set ngbehavior=hsa\n")
    run_order = ldo_bench(KIT, corner.process).run_order
    whole_box, near = _designs()
    design = whole_box if corner_name == "ss_2V_125C" else near  # one design per corner: the test's cost
    served = LDO.evaluate_at(libngspice, corner, design)
    by_hand = ldo_metrics(run_by_hand(hand_netlist(corner, design), tmp_path, run_order), corner)
    assert_outputs_agree(served, by_hand, (corner.name, design))


def test_the_initial_point_at_tt_is_ppaas_s_where_the_definitions_agree(libngspice: LibngspiceEngine) -> None:
    """PPAAS's TT figures at its initial point: Vdrop 205.2 mV, light-load PSRR 30.6 / 23.5 / 26.5 dB
    and full-load above 1 MHz 0.26 dB, the same definitions where the band's named point does not
    decide; the phase margins (PPAAS 59.7 / 58.6 deg, the smallest phase before the crossing) are
    lower at the crossing itself, and the spec of 60 deg is missed either way."""
    metrics = LDO.evaluate_at(libngspice, LDO.corners("tt")[0], INITIAL)
    assert metrics.vdrop == pytest.approx(0.2052, abs=1e-4)
    assert (metrics.psrr_light_10khz, metrics.psrr_light_1mhz, metrics.psrr_light_above_1mhz) == pytest.approx((30.6, 23.5, 26.5), abs=0.1)
    assert metrics.psrr_full_above_1mhz == pytest.approx(0.26, abs=0.01)
    assert 50.0 < metrics.phm_full < 60.0 and 50.0 < metrics.phm_light < 60.0


def test_skip_on_fail_runs_the_typical_corner_alone_on_a_missed_target(libngspice: LibngspiceEngine) -> None:
    """Over the typical and the two extreme corners (the `ppaas` set's composition is `test_registry`'s)."""
    corners = [_corner(name) for name in CORNERS]
    tt = dataclasses.asdict(LDO.evaluate_at(libngspice, corners[0], INITIAL))
    met = {
        name: value - 0.01 * abs(value) if LDO.senses[name] is Sense.AT_LEAST else value + 0.01 * abs(value) for name, value in tt.items()
    }

    missed = LDO.evaluate_corner_set(libngspice, corners, INITIAL, {**met, "phm_full": 60.0})
    assert missed.skipped and missed.simulations == 1 and missed.per_corner == {corners[0].name: tt}

    full = LDO.evaluate_corner_set(libngspice, corners, INITIAL, met)
    assert not full.skipped and list(full.per_corner) == [c.name for c in corners] and full.per_corner[corners[0].name] == tt
    for spec, sense in LDO.senses.items():
        values = [metrics[spec] for metrics in full.per_corner.values()]
        assert full.worst[spec] == (min(values) if sense is Sense.AT_LEAST else max(values))
    assert len({metrics["phm_light"] for metrics in full.per_corner.values()}) == len(corners)  # each corner its own conditions


def test_the_5v_devices_are_the_registry_s_and_their_bins_cover_the_parameter_box(libngspice: LibngspiceEngine) -> None:
    assert KIT.device_names == ("nmos", "pmos", "nmos_5v", "pmos_5v")
    names = {name: KIT.device(name)(MosSize(w=1.0, l=0.5)).module.name for name in ("nmos_5v", "pmos_5v")}
    assert names == {"nmos_5v": "sky130_fd_pr__nfet_g5v0d10v5", "pmos_5v": "sky130_fd_pr__pfet_g5v0d10v5"}
    with pytest.raises(KeyError, match="nmos_5v"):
        pdk("gf180mcu").device("nmos_5v")
    tt = LDO.corners("tt")[0]
    for end in ("lo", "hi"):  # every size at its range's end: each device in a model bin, or ngspice would fail
        design = {p.name: getattr(p.range, end) for p in PPAAS_LDO.params}
        metrics = dataclasses.asdict(LDO.evaluate_at(libngspice, tt, design))
        assert all(math.isfinite(value) for value in metrics.values()), (end, metrics)


def test_the_circuit_travels_into_a_pool_worker_by_name() -> None:
    """A corner's job pickles the circuit as its name (`corner_serving`): a worker finds its own."""
    assert pickle.loads(pickle.dumps(LDO)) is LDO and len(pickle.dumps(LDO)) < 200


@pytest.mark.parametrize("env_type", [AutoCktGym, AutoCktGoalEnv])
def test_the_environments_build_and_step_in_process(env_type: type[AutoCktGym] | type[AutoCktGoalEnv]) -> None:
    """Every training target asks for 60 deg of phase margin, which the reset point misses at
    TT: with skip-on-fail (the environments' default) a step costs the typical corner alone."""
    config = EnvConfig(circuit=PPAAS_LDO.name, horizon=1, simulator=SimulatorConfig(in_process=True))
    env = env_type(config)
    try:
        env.action_space.seed(3)
        obs, _ = env.reset(seed=3)
        assert env.observation_space.contains(obs)
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs) and math.isfinite(float(reward)) and info["sim_failed"] is False
        assert truncated and not terminated
    finally:
        env.close()
