"""
# A sized design as files: its report, its subcircuit, and a testbench per corner that reproduces its metrics

`write_design(design, out_dir, simulator)` writes `design.json` (what was asked, what was found,
how, and at which conditions: the PDK, the corner set, the design's metrics and each spec's margin
at every corner, and their worst case) and the SPICE files the server renders through its Rpc
`design_netlist` (`autockt_shared.design_netlist`): `NAME.sp`, and `NAME_tb.sp` for a nominal
circuit or `NAME_tb_<corner>.sp` for each corner of a PVT one (plus a `.spiceinit` where the PDK's
models need ngspice's compatibility mode). They are asked of the server that simulated, through the
same `SimulatorConfig` (in-process: the handler, in this process), so that each testbench names
the model file the metrics came from, and this package needs no circuit package of its own.
Beside them, `report.html` (`report.py`): the designer's page of the design, its waveforms asked
of the same server.

`check_exportable` asks for the reset point's files before a sizing spends anything, so that a
circuit whose testbench cannot print its metrics, or a corner set the server does not render, is
refused up front, naming the field.
"""

from __future__ import annotations

import dataclasses
import json
from contextlib import closing
from pathlib import Path
from typing import Any

from autockt_shared import circuit_optimization
from autockt_shared.design_netlist import NOMINAL, DesignNetlist, DesignNetlistQuery, design_netlist
from discovery_shared import FieldError

from .corners import CornerFigures
from .report import REPORT_FILE, write_report
from .simulator import SimulationFailure, Simulator, SimulatorConfig
from .sizing import SizedDesign
from .specs import InputError

DESIGN_FILE = "design.json"


@dataclasses.dataclass(frozen=True)
class DesignFiles:
    design: Path
    subcircuit: Path
    testbenches: tuple[Path, ...]
    """One per corner, in the corner set's order."""
    report: Path


def rendered(circuit: str, values: dict[str, float], corner_set: str | None, simulator: SimulatorConfig) -> DesignNetlist:
    """The server's files of `circuit`'s design `values` at `corner_set`; a refusal of the request as an
    `InputError` naming its field, any other failure a `SimulationFailure`."""
    query = DesignNetlistQuery(circuit=circuit, design=values, corner_set=corner_set)
    with closing(Simulator(circuit_optimization(circuit), simulator)) as client:
        try:
            answer: DesignNetlist = client.call(design_netlist, query)
        except SimulationFailure as err:
            refusal = _refusal(err.__cause__)
            if refusal is None:
                raise
            raise refusal from None
    return answer


def check_exportable(circuit: str, corner_set: str | None, simulator: SimulatorConfig) -> None:
    """Refuse (`InputError`) a sizing whose design the server could not write as files."""
    rendered(circuit, circuit_optimization(circuit).initial_values(), corner_set, simulator)


def write_design(design: SizedDesign, out_dir: Path, simulator: SimulatorConfig) -> DesignFiles:
    """Write `design`'s files into `out_dir` (created), rendered by the server `simulator` names."""
    netlist = rendered(design.circuit, design.values, design.corner_set, simulator)
    out_dir.mkdir(parents=True, exist_ok=True)
    for file in netlist.files:
        (out_dir / file.name).write_text(file.text)
    files = DesignFiles(
        design=out_dir / DESIGN_FILE,
        subcircuit=out_dir / netlist.subcircuit_file,
        testbenches=tuple(out_dir / corner.testbench for corner in netlist.corners),
        report=out_dir / REPORT_FILE,
    )
    files.design.write_text(json.dumps(_report(design, netlist), indent=1) + "\n")
    write_report(design, files.report, simulator)
    return files


def _report(design: SizedDesign, netlist: DesignNetlist) -> dict[str, Any]:
    figures = {corner.name: corner for corner in design.corners}
    if not figures:  # a nominal circuit: its one condition is the sizing's own
        errors = {spec.name: spec.relative_error for spec in design.specs}
        figures = {NOMINAL: CornerFigures(NOMINAL, dict(design.metrics), errors)}
    return {
        **design.to_json(),
        "pdk": netlist.pdk,
        "corner_set": netlist.corner_set,
        "corners": [
            {**dataclasses.asdict(corner), **figures[corner.corner].to_json(), "name": corner.corner} for corner in netlist.corners
        ],
        "files": {
            "subcircuit": netlist.subcircuit_file,
            "subcircuit_name": netlist.subcircuit_name,
            "testbenches": [corner.testbench for corner in netlist.corners],
            "others": [file.name for file in netlist.files[1:] if file.name not in {c.testbench for c in netlist.corners}],
        },
        "testbench_prints": netlist.metrics,
    }


def _refusal(cause: BaseException | None) -> InputError | None:
    """The request's refusal (a 422, or the handler's own in-process) as an `InputError` naming its first field."""
    errors: list[FieldError] | None = getattr(cause, "errors", None)  # WireValidationError's, or the client's ValidationError's
    if not isinstance(cause, ValueError) or not errors:
        return None
    return InputError(".".join(errors[0].loc), errors[0].msg)
