"""Run a netlist written by hand through `ngspice -b`, for the reference checks of the served circuits.

The served circuits are netlisted by Hdl21 and vlsirtools; a netlist typed from the circuit's
table, run by the ngspice command line, checks that chain end to end.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from vlsirtools.spice.ngspice import parse_nutbin

from autockt_ckt.engine import AcResult, OpResult, SimResult


def run_by_hand(netlist: str, workdir: Path) -> SimResult:
    """The `op` and `ac` results of `netlist` (one `.op`, one `.ac`), keyed as the engines key them."""
    (workdir / "hand.sp").write_text(netlist)
    subprocess.run(["ngspice", "-b", "hand.sp", "-r", "hand.raw"], cwd=workdir, check=True, capture_output=True)
    with open(workdir / "hand.raw", "rb") as raw:
        plots = parse_nutbin(raw)
    op = plots["Plotname: Operating Point\n"].data
    ac = dict(plots["Plotname: AC Analysis\n"].data)
    freq = ac.pop("frequency").real
    return SimResult(analyses={"op": OpResult(values={k: float(v[0]) for k, v in op.items()}), "ac": AcResult(freq=freq, values=ac)})
