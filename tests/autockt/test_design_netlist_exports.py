"""`design_netlist` of the latch, the flip-flop and the 45 nm LDO: testbenches that print every output field.

The latch's and the flip-flop's setup (and hold) times come from a search of probes, each a transient
of the same bench at another schedule; the exported testbench runs the same probes (`alterparam`,
`reset`, `run`) and computes each next offset and the result as the server does. The LDO's metrics
come from two benches; its testbench sources the second. Every simulation is real: the served Rpc
in-process (libngspice), the exported files in `ngspice -b` with the shipped card.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
from pathlib import Path

import pytest

import autockt_ckt.handlers  # noqa: F401  (the circuits' handlers, for in-process calls)
from autockt_ckt.circuits._timing import WINDOW
from autockt_ckt.export_registry import exportable
from autockt_shared import all_circuits, circuit_optimization
from autockt_shared.design_netlist import DesignNetlist, DesignNetlistQuery, design_netlist

from .test_size import printed_metrics

pytestmark = pytest.mark.skipif(shutil.which("ngspice") is None, reason="needs ngspice on PATH (apt install ngspice)")

LATCHES = {
    "reset": circuit_optimization("latch").initial_values(),
    "fast": dict(w1=40, w2=60, w3=5, w4=5, w5=30, w6=60, w7=10, w8=60, w9=10, w10=60),
    "balanced": dict(w1=63, w2=35, w3=12, w4=27, w5=57, w6=81, w7=44, w8=70, w9=18, w10=91),
}
"""Working latches (`tests/autockt_ckt/test_latch.py`'s): their setup times are searched."""
STUCK_LATCH = {**LATCHES["reset"], "w1": 1, "w10": 1, "w3": 100, "w9": 100}
"""A 1-unit input stage against a 100-unit feedback inverter: Q never follows D (the 1.5 ns stand-ins, no search)."""


def flip_flop(master: str, slave: str) -> dict[str, float]:
    """The flip-flop of two of `LATCHES`, by the Rpc's parameter names (`l1.w1` ...)."""
    return {f"{stage}.{name}": value for stage, latch in (("l1", master), ("l2", slave)) for name, value in LATCHES[latch].items()}


NGSPICE_TIMEOUT_S = 300
"""A flip-flop's testbench (eight transients and its searches' arithmetic) takes about 1 s of CPU, but over 60 s
of wall time has been seen at `nice -n 15` on the loaded 2-core machine."""


def served_and_printed(circuit: str, values: dict[str, float], tmp_path: Path) -> tuple[dict[str, float], dict[str, float]]:
    """The served Rpc's every output field, and what the exported testbench prints in `ngspice -b`."""
    optimization = circuit_optimization(circuit)
    served = dataclasses.asdict(optimization.sim(optimization.make_input(values)))
    exported = design_netlist(DesignNetlistQuery(circuit=circuit, design=values))  # in-process: the handler
    assert isinstance(exported, DesignNetlist)
    for file in exported.files:
        (tmp_path / file.name).write_text(file.text)
    (corner,) = exported.corners
    return served, printed_metrics(tmp_path / corner.testbench, timeout_s=NGSPICE_TIMEOUT_S)


def assert_prints_the_served_output(served: dict[str, float], printed: dict[str, float]) -> None:
    assert set(printed) == set(served)
    for name, value in served.items():
        assert printed[name] == pytest.approx(value, rel=1e-3), name


@pytest.mark.parametrize("design", list(LATCHES))
def test_a_latch_testbench_prints_its_delay_power_and_searched_setup_time(tmp_path: Path, design: str) -> None:
    served, printed = served_and_printed("latch", LATCHES[design], tmp_path)
    assert served["setup_time"] < WINDOW  # a working latch: its setup time was searched
    assert_prints_the_served_output(served, printed)


def test_a_latch_whose_q_never_follows_prints_the_stand_ins(tmp_path: Path) -> None:
    served, printed = served_and_printed("latch", STUCK_LATCH, tmp_path)
    assert served["output_delay"] == served["setup_time"] == WINDOW
    assert_prints_the_served_output(served, printed)


@pytest.mark.parametrize(("master", "slave"), [("reset", "reset"), ("fast", "balanced")])
def test_a_flip_flop_testbench_prints_its_delay_power_and_searched_setup_and_hold_times(tmp_path: Path, master: str, slave: str) -> None:
    served, printed = served_and_printed("flip_flop", flip_flop(master, slave), tmp_path)
    assert served["setup_time"] < WINDOW and served["hold_time"] < WINDOW
    assert_prints_the_served_output(served, printed)
    subcircuit = (tmp_path / "flip_flop.sp").read_text()
    assert subcircuit.count(".SUBCKT") == 3 and ".SUBCKT latch" not in (tmp_path / "flip_flop_tb.sp").read_text()  # its latches go with it


@pytest.mark.parametrize("seed", [None, 1, 4], ids=["reset", "random1", "random4"])
def test_an_ldo_testbench_sources_its_ac_bench_and_prints_every_output_field(tmp_path: Path, seed: int | None) -> None:
    optimization = circuit_optimization("ldo")
    values = optimization.initial_values() if seed is None else optimization.sample_values(random.Random(seed))
    served, printed = served_and_printed("ldo", values, tmp_path)
    assert_prints_the_served_output(served, printed)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".sp") == ["ldo.sp", "ldo_ac_tb.sp", "ldo_tb.sp"]
    assert ".control" not in (tmp_path / "ldo_ac_tb.sp").read_text()  # run by ldo_tb.sp's block only


def test_every_served_circuit_can_be_exported() -> None:
    assert sorted(exportable()) == sorted(all_circuits())
