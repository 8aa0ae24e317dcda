"""PPAAS's cascode-Miller op-amp on gf180mcu (`autockt_ckt.circuits.ppaas_cma`): against a netlist
typed here from PPAAS's table (each multiplier written out as parallel devices) and run by
`ngspice -b` with the same PDK files, every metric within 0.1 % at TT and at the two extreme
corners; skip-on-fail over the 17 corners; its environments in-process; served over HTTP."""

from __future__ import annotations

import dataclasses
import pickle
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import discovery_client as dc
import discovery_server as ds
from autockt import AutoCktGoalEnv, AutoCktGym, EnvConfig, SimulatorConfig
from autockt_ckt.circuits.ppaas_cma import CMA, INITIAL, OPAMP, REACHING
from autockt_ckt.corner_evaluation import meets, worst_case
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pdks import Corner, pdk
from autockt_shared.circuits.ppaas_cma import PPAAS_CMA, CmaInput, CmaOutput, ppaas_cma_sim
from autockt_shared.optimization import Sense

from ..autockt_ckt.hand_netlist import assert_outputs_agree, run_by_hand
from .test_ppaas_tsa import ANALYSES_BY_HAND, _mos

KIT = pdk("gf180mcu")
CORNERS = ["tt_3.3V_27C", "ss_3V_125C", "ff_3.6V_-40C"]
"""Typical, slowest and fastest."""


def _devices(name: str, k: int, d: str, g: str, s: str, b: str, model: str, w_um: float) -> list[str]:
    """A device of multiplier `k` as `k` devices in parallel."""
    return [_mos(f"{name}_{i}", d, g, s, b, model, w_um) for i in range(k)]


def hand_netlist(corner: Corner, design: dict[str, float]) -> str:
    assert KIT.wheel is not None
    section = corner.process.section
    vdd = corner.vdd
    n, p = "nfet_03v3", "pfet_03v3"
    wn13, wn15, wn21 = design["wn13"], design["wn15"], design["wn21"]
    wp6, wp7, wp9, wp10, wp11 = design["wp6"], design["wp7"], design["wp9"], design["wp10"], design["wp11"]
    devices = [
        *_devices("xpb", 1, "pb", "pb", "vdd", "vdd", p, wp6),
        *_devices("xpvbn", 1, "vbn", "pb", "vdd", "vdd", p, wp6),
        *_devices("xpvbc", 1, "vbc", "pb", "vdd", "vdd", p, wp6),
        *_devices("xpdum", 1, "dum", "pb", "vdd", "vdd", p, wp6),
        *_devices("xptail", 2, "tail", "pb", "vdd", "vdd", p, wp6),
        *_devices("xpinn", 1, "fn", "inn", "tail", "tail", p, wp9),
        *_devices("xpinp", 1, "fp", "inp", "tail", "tail", p, wp9),
        *_devices("xnsinkn", 8, "fn", "vbn", "0", "0", n, wn13),
        *_devices("xnsinkp", 8, "fp", "vbn", "0", "0", n, wn13),
        *_devices("xncascn", 1, "ld", "vbc", "fn", "0", n, wn15),
        *_devices("xncascp", 1, "o1", "vbc", "fp", "0", n, wn15),
        *_devices("xpld", 8, "ld", "ld", "vdd", "vdd", p, wp6),
        *_devices("xpo1", 8, "o1", "ld", "vdd", "vdd", p, wp6),
        *_devices("xnvbc", 1, "vbc", "vbc", "0", "0", n, wn13),
        *_devices("xnk1", 4, "vbn", "vbc", "k1", "0", n, wn13),
        *_devices("xnvbn", 4, "k1", "vbn", "0", "0", n, wn13),
        *_devices("xnk2", 4, "dum", "vbc", "k2", "0", n, wn13),
        *_devices("xndum", 4, "k2", "vbn", "0", "0", n, wn13),
        *_devices("xpup", 1, "out", "o1", "vdd", "vdd", p, wp11),
        *_devices("xpo2a", 1, "o2a", "o1", "vdd", "vdd", p, wp10),
        *_devices("xno2a", 8, "o2a", "vbn", "0", "0", n, wn13),
        *_devices("xpo2b", 1, "o2b", "o2a", "vdd", "vdd", p, wp7),
        *_devices("xno2b", 1, "o2b", "o2b", "0", "0", n, wn21),
        *_devices("xndown", 1, "out", "o2b", "0", "0", n, wn21),
    ]
    low, high = 0.22 * vdd - 0.15, 0.22 * vdd + 0.15
    return "\n".join(
        [
            "* PPAAS CMA, typed by hand",
            f'.lib "{KIT.wheel.section_file(section)}" {section}',
            f".option temp={corner.temp_c!r}",
            ".option num_threads=1",  # ngspice's OpenMP threads spin on a busy machine: ten times the CPU
            ".subckt cma vdd inp inn out pb",
            *devices,
            f"cc1 o1 o2a {design['c1'] * 1e-12!r}",
            f"cc2 fp out {design['c2'] * 1e-12!r}",
            ".ends",
            ".subckt tb vss",
            f"vvdd_ol vddol vss {vdd!r}",
            f"vvdd_fb vddfb vss {vdd!r}",
            "vvin vd vss dc 0 ac 1",
            f"vvcm vcm vss {vdd / 2!r}",
            # the offset finder: a follower at VDD/2 whose output's distance from VDD/2 is taken off the input
            f"vvdd_os vddos vss {vdd!r}",
            "iiref_os pbos vss 30e-6",
            "xos vddos vcm out_os out_os pbos cma",
            "ccl_os out_os vss 500e-12",
            "ecentre vdc vd out_os vcm -1",
            "einp inp vcm vdc vss 0.5",
            "einn inn vcm vdc vss -0.5",
            "iiref_ol pbol vss 30e-6",
            "xol vddol inp inn out_ol pbol cma",
            "ccl_ol out_ol vss 10e-12",
            f"vvstep step vss pulse({low!r} {high!r} 1e-6 1e-12 1e-12 200e-6 802e-6)",
            "iiref_fb pbfb vss 30e-6",
            "xfb vddfb step out_fb out_fb pbfb cma",
            "ccl_fb out_fb vss 500e-12",
            ".ends",
            *ANALYSES_BY_HAND,
        ]
    )


def _designs() -> list[dict[str, float]]:
    return [PPAAS_CMA.sample_values(random.Random(27)), dict(REACHING)]


@pytest.mark.parametrize("corner_name", CORNERS)
def test_served_metrics_agree_with_a_hand_written_netlist(corner_name: str, libngspice: LibngspiceEngine, tmp_path: Path) -> None:
    corner = next(c for c in KIT.corner_set("ppaas") if c.name == corner_name)
    (tmp_path / ".spiceinit").write_text("set ngbehavior=hsa\n")
    run_order = OPAMP.bench(KIT, corner.process).run_order
    for i, design in enumerate(_designs()):
        served = CMA.evaluate_at(libngspice, corner, design)
        by_hand = OPAMP.metrics(run_by_hand(hand_netlist(corner, design), tmp_path, run_order, name=f"cma{i}"))
        assert_outputs_agree(served, by_hand, (corner.name, design))


def test_the_offset_is_removed_so_ppaas_s_initial_point_is_measured_where_it_works(libngspice: LibngspiceEngine) -> None:
    """Read around a zero input, as PPAAS does, its initial point's output rails and it reads no gain
    and over 10 mA (gain 0.2, 16.4 mA; PPAAS's own check found about the same); with the offset taken
    off the open-loop copy's input it is a working amplifier at every corner."""
    for corner in KIT.corner_set("ppaas"):
        metrics = CMA.evaluate_at(libngspice, corner, INITIAL)
        assert metrics.gain > 5000 and metrics.ugbw > 5e6 and 30 < metrics.phm < 60 and metrics.ibias < 1e-3, (corner.name, metrics)


def test_ppaas_s_spec_ranges_are_reachable_at_every_corner(libngspice: LibngspiceEngine) -> None:
    corners = KIT.corner_set("ppaas")
    evaluated = CMA.evaluate_corner_set(libngspice, corners, REACHING, None)
    assert meets(evaluated.worst, {spec.name: spec.normalizer for spec in PPAAS_CMA.metrics}, CMA.senses), evaluated.worst


def test_a_design_at_17_corners_and_skip_on_fail(libngspice: LibngspiceEngine) -> None:
    corners = KIT.corner_set("ppaas")
    typical = dataclasses.asdict(CMA.evaluate_at(libngspice, corners[0], REACHING))
    skipped = CMA.evaluate_corner_set(libngspice, corners, REACHING, {"gain": typical["gain"] * 1.01})
    assert skipped.skipped and skipped.per_corner == {corners[0].name: typical}

    met = {"gain": typical["gain"] * 0.99, "ibias": typical["ibias"] * 1.01}
    full = CMA.evaluate_corner_set(libngspice, corners, REACHING, met)
    assert not full.skipped and list(full.per_corner) == [corner.name for corner in corners]
    assert full.per_corner[corners[0].name] == typical
    assert full.worst == worst_case(list(full.per_corner.values()), CMA.senses)
    assert full.worst["gain"] < typical["gain"] and full.worst["ibias"] > typical["ibias"]  # the corners matter


def test_the_environments_step_on_it_in_process() -> None:
    config = EnvConfig(circuit=PPAAS_CMA.name, horizon=2, corner_set="tt", simulator=SimulatorConfig(in_process=True))
    env, goal_env = AutoCktGym(config), AutoCktGoalEnv(config)
    try:
        for each in (env, goal_env):
            each.action_space.seed(3)
            each.reset(seed=3)
            obs, reward, _, _, info = each.step(each.action_space.sample())
            assert each.observation_space.contains(obs) and info["sim_failed"] is False and info["simulations"] == 1
            assert reward == (each.compute_reward(obs["achieved_goal"], obs["desired_goal"], info) if each is goal_env else reward)
        assert env.metrics is not None and set(env.metrics) == {spec.name for spec in PPAAS_CMA.metrics}
    finally:
        env.close()
        goal_env.close()


@pytest.fixture(scope="module")
def server() -> Iterator[ds.BackgroundServer]:
    """Real HTTP, the handler simulating in the server's process (the pool's path is the TSA's, shared:
    `test_ppaas_tsa_served.py`), so that no pool of workers warms every gf180mcu circuit for a few calls."""
    server = ds.BackgroundServer(ds.create_app(rpcs=[ppaas_cma_sim])).start()
    yield server
    server.close()


def test_served_over_http_it_equals_the_in_process_evaluation(server: ds.BackgroundServer, libngspice: LibngspiceEngine) -> None:
    with dc.Client(dc.Config(server_url=server.url)) as client:
        served: CmaOutput = client.call(ppaas_cma_sim, CmaInput(**REACHING, corner_set="tt"))  # type: ignore[arg-type]
    tt = KIT.corner_set("tt")[0]
    assert served.simulations == 1 and not served.skipped
    assert served.corners == {tt.name: CMA.evaluate_at(libngspice, tt, REACHING)} and served.worst == served.corners[tt.name]
    assert pickle.loads(pickle.dumps(CMA)) is CMA  # a pool job carries it to a worker by name


@pytest.mark.parametrize(
    ("change", "field"),
    [({"corner_set": "fast"}, "corner_set"), ({"c2": 10.5}, "c2"), ({"wn13": "wide"}, "wn13"), ({"target": {"gain": 5000.0}}, "target")],
)
def test_a_bad_field_is_a_422_naming_it(server: ds.BackgroundServer, change: dict[str, object], field: str) -> None:
    response = httpx.post(f"{server.url}/ppaas_cma_sim", json={**REACHING, **change})
    assert response.status_code == 422
    assert field in {error["loc"][0] for error in response.json()["details"]["fields"]}


def test_every_spec_reads_the_worst_case() -> None:
    assert PPAAS_CMA.metrics_field == "worst"
    assert {spec.name: spec.sense for spec in PPAAS_CMA.metrics} == {
        "gain": Sense.AT_LEAST,
        "vswing": Sense.AT_LEAST,
        "ugbw": Sense.AT_LEAST,
        "phm": Sense.AT_LEAST,
        "ibias": Sense.AT_MOST,
        "t_settle": Sense.AT_MOST,
    }
