"""`AutoCkt/scripts/size.py` and `autockt.size`: a designer's target to a sized netlist whose testbench reproduces its metrics.

Every simulation is real: ngspice through a `start_server.py` process, or in-process through the
served handlers; the exported testbenches run in `ngspice -b` with the shipped model card, as a
designer would run them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import autockt_ckt.handlers  # noqa: F401  (the circuits' handlers, for in-process simulation)
import discovery_client as dc
from autockt import InputError, SimulatorConfig, SizingConfig, size
from autockt.sizing import TargetOutsideRange, check_request
from autockt_ckt.settings import SHIPPED_MODEL_PATH
from autockt_shared import TWO_STAGE_OPAMP, circuit_optimization
from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA
from autockt_shared.design_netlist import DesignNetlist, DesignNetlistQuery, design_netlist
from discovery_server import ServerProcess, free_port

SIZE_SCRIPT = Path(__file__).resolve().parents[2] / "AutoCkt" / "scripts" / "size.py"
REACHABLE = ["gain=250", "ugbw=1e7", "phm=60", "ibias=1e-3"]
UNREACHABLE = ["gain=400", "ugbw=2.5e7", "phm=60", "ibias=1e-4"]
"""The top of every range at once, on a tenth of the current: beyond the circuit's trade-off front."""
PPAAS_TARGET = ["gain=250", "vswing=0.25", "ugbw=1e7", "phm=60", "ibias=5e-3", "t_settle=2e-5"]
PRINTED = re.compile(r"^(\w+) = (\S+)$", re.MULTILINE)

needs_ngspice = pytest.mark.skipif(shutil.which("ngspice") is None, reason="needs ngspice on PATH (apt install ngspice)")


def run_size(tmp_path: Path, target: list[str], budget: int, simulator: list[str]) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / "sized"
    argv = [sys.executable, str(SIZE_SCRIPT), "--circuit", "two_stage_opamp", "--target", *target]
    argv += ["--budget", str(budget), *simulator, "--out", str(out)]
    env = {**os.environ, "AUTOCKT_MODEL_PATH": str(SHIPPED_MODEL_PATH), "AUTOCKT_PDK": "ptm45"}
    return subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600), out


def printed_metrics(testbench: Path, timeout_s: float = 60) -> dict[str, float]:
    """What `ngspice -b` prints running `testbench` from its own directory, as a designer runs it."""
    proc = subprocess.run(["ngspice", "-b", testbench.name], capture_output=True, text=True, cwd=testbench.parent, timeout=timeout_s)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {name: float(value) for name, value in PRINTED.findall(proc.stdout)}


def assert_reproduces(printed: dict[str, float], reported: dict[str, float]) -> None:
    assert set(printed) == set(reported)
    for name, value in reported.items():
        assert printed[name] == pytest.approx(value, rel=1e-3), name


@needs_ngspice
def test_size_meets_a_reachable_target_through_a_server_and_its_testbench_reproduces_the_metrics(
    served_circuits: ServerProcess, tmp_path: Path
) -> None:
    proc, out = run_size(tmp_path, REACHABLE, budget=3000, simulator=["--server-url", served_circuits.url])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "target reached" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["design.json", "report.html", "two_stage_opamp.sp", "two_stage_opamp_tb.sp"]
    design = json.loads((out / "design.json").read_text())
    assert design["reached"] and design["circuit"] == "two_stage_opamp" and design["pdk"] == "ptm45"
    assert design["target"] == {"gain": 250.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}
    assert 0 < design["reached_at"] <= design["simulations"] <= 3000
    assert design["method"]["optimizer"] == "cma_es" and design["method"]["autockt_version"]
    assert design["simulator"] == f"server {served_circuits.url}"
    assert design["corner_set"] == "nominal"
    ((corner),) = design["corners"]
    assert corner["name"] == "nominal" and corner["model_file"] == str(SHIPPED_MODEL_PATH) and corner["section"] is None
    assert corner["temperature_c"] == 27.0 and corner["metrics"] == design["metrics"] and corner["testbench"] == "two_stage_opamp_tb.sp"
    assert {name: spec["met"] for name, spec in corner["specs"].items()} == {s["name"]: s["met"] for s in design["specs"]}
    assert [s["name"] for s in design["specs"]] == ["gain", "ugbw", "phm", "ibias"]
    assert sum(min(s["relative_error"], 0.0) for s in design["specs"]) >= -0.02

    subcircuit = (out / "two_stage_opamp.sp").read_text()
    testbench = (out / "two_stage_opamp_tb.sp").read_text()
    for device, param in [("mmp1", "mp1"), ("mmn5", "mn5")]:
        assert re.search(rf"^{device}\n(\+.*\n)*\+ w='0.5u' l='90n' m='{design['values'][param]}' $", subcircuit, re.MULTILINE), device
    assert ".param" not in subcircuit + testbench
    assert design["files"]["subcircuit_name"] == "TwoStageOpAmp"
    assert ".SUBCKT TwoStageOpAmp\n" in subcircuit and ".SUBCKT" not in subcircuit.split(".ENDS", 1)[1]
    assert ".SUBCKT TwoStageOpAmp" not in testbench and "+ TwoStageOpAmp\n" in testbench  # the testbench's instance of it
    includes = re.findall(r"^\.include (.*)$", testbench, re.MULTILINE)
    assert includes == [f'"{SHIPPED_MODEL_PATH}"', '"two_stage_opamp.sp"']
    assert "BSIM" not in subcircuit + testbench  # no model text: the card is only named
    assert_reproduces(printed_metrics(out / "two_stage_opamp_tb.sp"), design["metrics"])


@needs_ngspice
def test_an_unreachable_target_exits_2_with_the_closest_design(tmp_path: Path) -> None:
    proc, out = run_size(tmp_path, UNREACHABLE, budget=160, simulator=["--in-process"])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "NOT reached within 160 simulations" in proc.stdout
    design = json.loads((out / "design.json").read_text())
    assert not design["reached"] and design["simulations"] == 160 and design["reached_at"] is None
    short = [s for s in design["specs"] if not s["met"]]
    assert short and all(f"{s['name']} = " in proc.stdout and "short by" in proc.stdout for s in short)
    assert sum(s["relative_error"] for s in short) < -0.02
    assert_reproduces(printed_metrics(out / "two_stage_opamp_tb.sp"), design["metrics"])


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("size_script", SIZE_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--circuit", "no_such_circuit", "--target", "gain=1"], "circuit"),
        (["--circuit", "two_stage_opamp", "--target", "gain=250", "ugbw=1e7", "phm=60"], "target.ibias"),
        (["--circuit", "two_stage_opamp", "--target", *REACHABLE, "slew=1e6"], "target.slew"),
        (["--circuit", "two_stage_opamp", "--target", "gain=nan", "ugbw=1e7", "phm=60", "ibias=1e-3"], "target.gain"),
        (["--circuit", "two_stage_opamp", "--target", "gain=250", "ugbw=inf", "phm=60", "ibias=1e-3"], "target.ugbw"),
        (["--circuit", "two_stage_opamp", "--target", "gain=lots", "ugbw=1e7", "phm=60", "ibias=1e-3"], "target.gain"),
        (["--circuit", "two_stage_opamp", "--target", "gain", "ugbw=1e7", "phm=60", "ibias=1e-3"], "target"),
        (["--circuit", "two_stage_opamp", "--target", *REACHABLE, "--optimizer", "annealing"], "optimizer"),
        (["--circuit", "two_stage_opamp", "--target", *REACHABLE, "--budget", "0"], "budget"),
        (["--circuit", "two_stage_opamp", "--target", *REACHABLE, "--out", str(Path(__file__) / "sized")], "out"),
        (["--circuit", "two_stage_opamp", "--target", *REACHABLE, "--corners", "ppaas"], "corner_set"),
        (["--circuit", "ppaas_tsa", "--target", *PPAAS_TARGET, "--corners", "sf_only"], "corner_set"),
    ],
)
def test_size_refuses_bad_input_in_one_line_naming_it(
    argv: list[str], field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = [] if "--out" in argv else ["--out", str(tmp_path / "never-written")]
    assert load_script().main([*argv, "--in-process", *out]) == 2
    assert not (tmp_path / "never-written").exists()
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"size.py: refused: {field}") or f"circuit '{field}'" in err, err
    assert "\n" not in err


@pytest.mark.parametrize(
    ("target", "error", "field"),
    [
        ({"gain": 250.0, "ugbw": 1e7, "phm": 60.0}, "MissingSpec", "target.ibias"),
        ({"gain": 250.0, "ugbw": 1e7, "phm": 60.0, "ibias": float("-inf")}, "NonFiniteValue", "target.ibias"),
        ({"gain": 250.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3, "area": 1.0}, "UnknownSpec", "target.area"),
    ],
)
def test_refusals_are_typed(target: dict[str, float], error: str, field: str) -> None:
    with pytest.raises(InputError) as refused:
        size(SizingConfig(circuit="two_stage_opamp", target=target, simulator=SimulatorConfig(in_process=True)))
    assert type(refused.value).__name__ == error and refused.value.field == field


def test_a_target_outside_the_spec_ranges_warns_naming_the_range() -> None:
    config = SizingConfig(
        circuit="two_stage_opamp",
        target={"gain": 1000.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3},
        budget=16,
        simulator=SimulatorConfig(in_process=True),
    )
    (note,) = check_request(config)
    assert "target.gain = 1000" in note and "[200, 400] V/V" in note
    with pytest.warns(TargetOutsideRange, match=re.escape("[200, 400]")):
        design = size(config)
    assert design.warnings == (note,) and design.simulations == 16 and not design.reached


def test_a_target_the_reset_point_meets_costs_one_simulation() -> None:
    target = {"gain": 300.0, "ugbw": 5e6, "phm": 5.0, "ibias": 1e-3}  # the reset point: 357, 9.64 MHz, 7.7 deg, 76 uA
    with pytest.warns(TargetOutsideRange, match="phm"):
        design = size(SizingConfig(circuit="two_stage_opamp", target=target, simulator=SimulatorConfig(in_process=True)))
    assert design.reached and design.reached_at == design.simulations == 1
    assert design.values == TWO_STAGE_OPAMP.initial_values()
    assert all(spec.met for spec in design.specs)


def test_a_server_that_does_not_answer_ends_the_sizing_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--circuit", "two_stage_opamp", "--target", *REACHABLE, "--out", str(tmp_path)]
    assert load_script().main([*argv, "--server-url", f"http://127.0.0.1:{free_port()}", "--retry-deadline", "0"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "start the circuit server" in err, err


@needs_ngspice
@pytest.mark.parametrize(
    ("circuit", "seed"),
    [("folded_cascode", None), ("ngm_ota", 3), ("ngm_ota", 1)],  # seed 1: a latched OTA, whose metrics are 0
    ids=["folded_cascode", "ngm_ota", "ngm_ota_latched"],
)
def test_a_nominal_circuit_exports_a_testbench_that_reproduces_it(tmp_path: Path, circuit: str, seed: int | None) -> None:
    optimization = circuit_optimization(circuit)
    values = optimization.initial_values() if seed is None else optimization.sample_values(random.Random(seed))
    exported = design_netlist(DesignNetlistQuery(circuit=circuit, design=values))  # in-process: the handler
    assert isinstance(exported, DesignNetlist) and [f.name for f in exported.files] == [f"{circuit}.sp", f"{circuit}_tb.sp"]
    for file in exported.files:
        (tmp_path / file.name).write_text(file.text)
    assert_reproduces(printed_metrics(tmp_path / f"{circuit}_tb.sp"), optimization.simulate(values))


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"mp1": 1000}, ("design", "mp1")),
        ({"slew": 1.0}, ("design", "slew")),
        ({"corner_set": "ppaas"}, ("corner_set",)),
        ({"circuit": "no_such_circuit"}, ("circuit",)),
    ],
)
def test_design_netlist_over_http_refuses_a_bad_request_with_a_422_naming_the_field(
    served_circuits: ServerProcess, change: dict[str, object], loc: tuple[str, ...]
) -> None:
    query: dict[str, object] = {"circuit": "two_stage_opamp", "design": TWO_STAGE_OPAMP.initial_values(), "corner_set": None}
    if "circuit" in change or "corner_set" in change:
        query.update(change)
    else:
        query["design"] = {**TWO_STAGE_OPAMP.initial_values(), **change}
    with dc.Client(dc.Config(server_url=served_circuits.url)) as client, pytest.raises(dc.ValidationError) as refused:
        client.call(design_netlist, DesignNetlistQuery(**query))  # type: ignore[arg-type]
    assert refused.value.status_code == 422 and [e.loc for e in refused.value.errors] == [loc]


def test_design_netlist_of_a_circuit_of_another_pdk_is_not_found_on_the_server(served_circuits: ServerProcess) -> None:
    query = DesignNetlistQuery(circuit="ppaas_tsa", design=PPAAS_TSA.initial_values(), corner_set="tt")
    with dc.Client(dc.Config(server_url=served_circuits.url)) as client, pytest.raises(dc.NotFoundError, match="gf180mcu"):
        client.call(design_netlist, query)
