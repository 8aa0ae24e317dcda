"""Run a netlist written by hand through `ngspice -b`, for the reference checks of the served circuits.

The served circuits are netlisted by Hdl21 and vlsirtools; a netlist typed from the circuit's
table, run by the ngspice command line, checks that chain end to end.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from autockt_ckt.engine import Analysis, SimResult, read_raw


def run_by_hand(netlist: str, workdir: Path, run_order: Sequence[Analysis], name: str = "hand") -> SimResult:
    """The results of `netlist`, whose analyses are `run_order` (a served bench's, when the netlist mirrors it), keyed as the engines key them."""
    (workdir / f"{name}.sp").write_text(netlist)
    subprocess.run(["ngspice", "-b", f"{name}.sp", "-r", f"{name}.raw"], cwd=workdir, check=True, capture_output=True)
    return read_raw(workdir / f"{name}.raw", run_order)


def assert_outputs_agree(served: Any, by_hand: Any, context: object) -> None:
    """Every field of two output dataclasses within 0.1 %, the reference checks' tolerance (1e-12 absolute, for zeros)."""
    for field, value in dataclasses.asdict(served).items():
        assert value == pytest.approx(getattr(by_hand, field), rel=1e-3, abs=1e-12), (context, field)
