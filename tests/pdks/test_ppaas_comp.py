"""PPAAS's StrongARM comparator on gf180mcu (`autockt_ckt.circuits.ppaas_comp`) against a netlist
typed here from PPAAS's table, run by `ngspice -b` with the same PDK files and measured by
ngspice's own `.meas`: both metrics within 0.1 % at TT and at the two extreme corners, on random
designs; skip-on-fail; the reset check; served over HTTP, with its waveforms; the environments build and step on it."""

from __future__ import annotations

import dataclasses
import random
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

import autockt_ckt.handlers  # noqa: F401  (attaches every circuit's handler to its Rpc)
import discovery_client as dc
import discovery_server as ds
from autockt import AutoCktGoalEnv, AutoCktGym, EnvConfig, SimulatorConfig
from autockt.simulator import Simulator
from autockt_ckt.circuits.ppaas_comp import (
    CLK_DELAY,
    CLK_EDGE,
    CLK_HIGH,
    COMP,
    INITIAL,
    PERIOD,
    RISE,
    TSTEP,
    TSTOP,
    WINDOW,
)
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pdks import Corner, pdk
from autockt_shared.circuits.ppaas_comp import PPAAS_COMP, CompInput, CompMetrics, ppaas_comp_sim
from autockt_shared.design_waveforms import WaveformsInput, design_waveforms

KIT = pdk("gf180mcu")
CORNERS = ["tt_3.3V_27C", "ss_3V_125C", "ff_3.6V_-40C"]
"""Typical, slowest and fastest."""


def _mos(name: str, d: str, g: str, s: str, model: str, w_um: float, l_um: float) -> str:
    """A 3.3 V device as gf180-hdl21 sizes it (nf = 1: drain and source 0.18 um long), bulk at its rail."""
    w, diffusion = w_um * 1e-6, 0.18e-6
    b = "0" if model.startswith("n") else "vdd"
    return (
        f"{name} {d} {g} {s} {b} {model} w={w!r} l={l_um * 1e-6!r} nf=1 ad={w * diffusion!r} as={w * diffusion!r} "
        f"pd={2 * (w + diffusion)!r} ps={2 * (w + diffusion)!r} nrd={diffusion / w!r} nrs={diffusion / w!r}"
    )


def hand_netlist(corner: Corner, design: dict[str, float]) -> str:
    """PPAAS's deck as this project defines the metrics: 50 % crossings in the second cycle, the
    supply's charge over that whole cycle."""
    assert KIT.wheel is not None
    section = corner.process.section
    vdd = corner.vdd
    n, p = "nfet_03v3", "pfet_03v3"
    return "\n".join(
        [
            "* PPAAS StrongARM comparator, typed by hand",
            f'.lib "{KIT.wheel.section_file(section)}" {section}',
            f".option temp={corner.temp_c!r} num_threads=1",  # ngspice's 2 BSIM4 threads cost 30x on a loaded machine
            _mos("xm1", "t", "clk", "0", n, design["wn1"], 0.3),
            _mos("xm2a", "dn", "inp", "t", n, design["wn2"], 0.3),
            _mos("xm2b", "dp", "inn", "t", n, design["wn2"], 0.3),
            _mos("xm3a", "outn", "outp", "dn", n, design["wn3"], 0.3),
            _mos("xm3b", "outp", "outn", "dp", n, design["wn3"], 0.3),
            _mos("xm4a", "outn", "outp", "vdd", p, design["wp1"], 0.6),
            _mos("xm4b", "outp", "outn", "vdd", p, design["wp1"], 0.6),
            _mos("xm5a", "outn", "clk", "vdd", p, design["wp2"], 0.6),
            _mos("xm5b", "outp", "clk", "vdd", p, design["wp2"], 0.6),
            _mos("xm6a", "dn", "clk", "vdd", p, design["wp3"], 0.6),
            _mos("xm6b", "dp", "clk", "vdd", p, design["wp3"], 0.6),
            "c1 outp 0 25f",
            "c2 outn 0 25f",
            f"vdd vdd 0 {vdd!r}",
            f"vinp inp 0 {vdd / 2 + 0.05!r}",
            f"vinn inn 0 {vdd / 2 - 0.05!r}",
            f"vclk clk 0 pulse(0 {vdd!r} 1.6n 0.4n 0.4n 1.6n 4n)",
            ".tran 20p 9.6n 0 20p",
            f".meas tran delay trig v(clk) val={vdd / 2!r} rise=1 td=5.6n targ v(outn) val={vdd / 2!r} fall=1 td=5.6n",
            ".meas tran current avg i(vdd) from=5.6n to=9.6n",
            *(
                f".meas tran {out}_{when} find v({out}) at={t}"
                for out in ("outn", "outp")
                for when, t in (("reset", "5.6n"), ("held", "7.6n"))
            ),
            ".end",
            "",
        ]
    )


def measured_by_hand(netlist: str, workdir: Path, name: str) -> CompMetrics:
    """`ngspice -b` of `netlist` and its `.meas` results, as metrics: power is VDD x the supply's average current; the
    delay counts if both outputs were reset to 90 % of VDD when the clock began to rise (5.6 ns) and outn is below
    VDD/2, outp above, when it begins to fall (7.6 ns); else, or without a crossing, the stand-in, 2 ns."""
    (workdir / f"{name}.sp").write_text(netlist)
    (workdir / ".spiceinit").write_text("set ngbehavior=hsa\n")
    out = subprocess.run(["ngspice", "-b", f"{name}.sp"], cwd=workdir, check=True, capture_output=True, text=True).stdout
    found = {name: float(value) for name, value in re.findall(r"^(\w+)\s+=\s+(\S+)", out, re.MULTILINE)}
    vdd = float(re.search(r"^vdd vdd 0 (\S+)$", netlist, re.MULTILINE).group(1))  # type: ignore[union-attr]
    reset = min(found["outn_reset"], found["outp_reset"]) >= 0.9 * vdd
    held = found["outn_held"] < vdd / 2 < found["outp_held"]
    delay = min(found["delay"], WINDOW) if "delay" in found and reset and held else WINDOW
    return CompMetrics(delay=delay, power=-vdd * found["current"])


WEAK_RESET = {"wn1": 12.65, "wn2": 6.19, "wn3": 6.09, "wp1": 4.6, "wp2": 0.6, "wp3": 0.55}
"""Reset switches too weak to recharge the outputs between decisions (a short search's find): each
evaluation starts with the outputs part-way down, so that outn crossed VDD/2 23 ps after the clock at
SS 3.0 V 125 C and 84 ps at TT, a "decision" that only the reset check refuses."""


def _designs() -> list[dict[str, float]]:
    rng = random.Random(31)
    return [dict(INITIAL), WEAK_RESET, *({name: round(rng.uniform(0.5, 100.0), 2) for name in INITIAL} for _ in range(2))]


def test_the_bench_s_schedule_is_the_hand_netlist_s() -> None:
    """The hand netlist's numbers are PPAAS's clock, typed again: the same as the module's."""
    assert (CLK_DELAY, CLK_EDGE, CLK_HIGH, PERIOD, TSTEP) == (1.6e-9, 0.4e-9, 1.6e-9, 4e-9, 20e-12)
    assert (RISE, TSTOP) == pytest.approx((5.6e-9, 9.6e-9), rel=1e-12)


@pytest.mark.parametrize("corner_name", CORNERS)
def test_served_metrics_agree_with_a_hand_written_netlist(corner_name: str, libngspice: LibngspiceEngine, tmp_path: Path) -> None:
    corner = next(c for c in KIT.corner_set("ppaas") if c.name == corner_name)
    for i, design in enumerate(_designs()):
        served = COMP.evaluate_at(libngspice, corner, design)
        by_hand = measured_by_hand(hand_netlist(corner, design), tmp_path, f"comp{i}")
        assert served.delay == pytest.approx(by_hand.delay, rel=1e-3), (corner.name, design)
        assert served.power == pytest.approx(by_hand.power, rel=1e-3), (corner.name, design)


def test_skip_on_fail_runs_the_typical_corner_alone_when_it_misses_the_target(libngspice: LibngspiceEngine) -> None:
    corners = KIT.corner_set("ppaas")
    typical = dataclasses.asdict(COMP.evaluate_at(libngspice, corners[0], INITIAL))
    missed = COMP.evaluate_corner_set(libngspice, corners, INITIAL, {**typical, "delay": typical["delay"] * 0.99})
    assert missed.skipped and missed.simulations == 1 and missed.per_corner == {corners[0].name: typical}
    met = COMP.evaluate_corner_set(libngspice, corners, INITIAL, {name: value * 1.01 for name, value in typical.items()})
    assert not met.skipped and list(met.per_corner) == [corner.name for corner in corners]
    for spec in COMP.senses:  # both at most: the worst is the highest, here no single corner's copy
        values = [metrics[spec] for metrics in met.per_corner.values()]
        assert met.worst[spec] == max(values) > typical[spec] and len(set(values)) == len(values)


def test_a_decision_from_outputs_left_unreset_is_no_decision(libngspice: LibngspiceEngine) -> None:
    by_name = {corner.name: corner for corner in KIT.corner_set("ppaas")}
    for name in ("tt_3.3V_27C", "ss_3V_125C"):
        assert COMP.evaluate_at(libngspice, by_name[name], WEAK_RESET).delay == WINDOW, name
        assert COMP.evaluate_at(libngspice, by_name[name], INITIAL).delay < 0.5e-9, name


def test_the_temperature_is_honoured_at_every_corner(libngspice: LibngspiceEngine) -> None:
    """PPAAS's decks lost it (its -40 and 125 C corners simulated at 27 C): here hot is slower."""
    by_name = {corner.name: corner for corner in KIT.corner_set("ppaas")}
    cold, hot = (COMP.evaluate_at(libngspice, by_name[f"ss_3V_{t}C"], INITIAL) for t in ("-40", "125"))
    assert hot.delay > 1.2 * cold.delay and hot.power != cold.power


def test_the_environments_build_and_step_on_the_worst_case_in_process() -> None:
    config = EnvConfig(circuit=PPAAS_COMP.name, horizon=2, simulator=SimulatorConfig(in_process=True))
    env, goal_env = AutoCktGym(config), AutoCktGoalEnv(dataclasses.replace(config, continuous_actions=True))
    try:
        env.action_space.seed(3)
        obs, _ = env.reset(seed=3)
        assert env.observation_space.contains(obs)
        typical = PPAAS_COMP.sim(PPAAS_COMP.initial_input()).corners["tt_3.3V_27C"]
        assert env.metrics is not None and all(env.metrics[spec] >= getattr(typical, spec) for spec in COMP.senses)  # a worst case
        obs, _, _, _, info = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs) and info["sim_failed"] is False
        assert set(info["metrics"]) == {"delay", "power"}
        goal_env.action_space.seed(4)
        goal_obs, _ = goal_env.reset(seed=4)
        goal_obs, reward, *_ = goal_env.step(goal_env.action_space.sample())
        assert goal_env.observation_space.contains(goal_obs) and np.isfinite(reward)
    finally:
        env.close()
        goal_env.close()


def test_served_over_http_equals_the_in_process_evaluation_and_a_bad_field_is_a_422(
    serve: Callable[[FastAPI], ds.BackgroundServer], libngspice: LibngspiceEngine
) -> None:
    """Over real HTTP, simulated in the server's process (no pool: a gf180mcu pool's start-up warms
    every circuit of the PDK at 17 corners, about 40 s on a loaded machine; the pool path is the TSA's test's)."""
    server = serve(ds.create_app(rpcs=[ppaas_comp_sim, design_waveforms]))
    design = PPAAS_COMP.sample_values(random.Random(2))
    with dc.Client(dc.Config(server_url=server.url)) as client:
        served = client.call(ppaas_comp_sim, CompInput(**design, corner_set="tt"))  # type: ignore[arg-type]
        shown = client.call(design_waveforms, WaveformsInput(circuit=PPAAS_COMP.name, design=design, corner_set="tt"))
    tt = KIT.corner_set("tt")[0]
    assert served.simulations == 1 and not served.skipped and served.corners == {tt.name: COMP.evaluate_at(libngspice, tt, design)}
    (transient,) = shown.corners[tt.name].transients
    assert [signal.name for signal in transient.signals] == ["clk", "outp", "outn", "dp", "dn"]
    assert shown.corners[tt.name].metrics == dataclasses.asdict(served.corners[tt.name])  # the very run the metrics come from
    response = httpx.post(f"{server.url}/ppaas_comp_sim", json={**design, "wp3": 100.5})
    assert response.status_code == 422 and [error["loc"][0] for error in response.json()["details"]["fields"]] == ["wp3"]


def test_a_batch_request_is_bounded_by_its_simulations_not_its_designs(serve: Callable[[FastAPI], ds.BackgroundServer]) -> None:
    """A server taking 3 items per request: a client allowed 51 simulations per request sends 3 designs at
    17 corners each (and every request passes), but 51 at one corner each (and the server refuses them),
    so a PVT batch's request takes about as long as a nominal one's."""
    server = serve(ds.create_app(ds.Config(max_batch=3), rpcs=[ppaas_comp_sim]))
    designs = [PPAAS_COMP.sample_values(random.Random(seed)) for seed in range(4)]
    unreachable = {"delay": 1e-13, "power": 1e-6}  # every design skips after its typical corner: 1 simulation each
    config = SimulatorConfig(server_url=server.url, max_batch_simulations=51, retry_deadline_s=0)
    at_every_corner = Simulator(PPAAS_COMP, config, {"corner_set": "ppaas"})
    at_typical = Simulator(PPAAS_COMP, config, {"corner_set": "tt"})
    try:
        answers = at_every_corner.evaluate_batch(designs, [unreachable] * len(designs))
        assert all(item.ok and item.value.skipped for item in answers) and at_every_corner.simulations == 4
        refused = at_typical.evaluate_batch(designs)
        assert all(not item.ok and "at most 3" in str(item.error) for item in refused)
    finally:
        at_every_corner.close()
        at_typical.close()
