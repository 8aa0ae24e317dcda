"""
# A sized design as files: its report, its subcircuit, and a testbench that reproduces its metrics

`write_design(design, out_dir)` writes `design.json` (what was asked, what was found, how, and
at which conditions), `NAME.sp` and `NAME_tb.sp` (`autockt_ckt.design_export`: the served
circuit's own netlist, parameter values inlined, and its own testbench printing every metric).

The netlists come from the circuit generators of `autockt_ckt`, so this module needs the
circuit package installed where it runs (the `in-process` extra); its settings
(`AUTOCKT_MODEL_PATH`, `AUTOCKT_PDK`) must be the simulating server's for the testbench to name
the model file that server used. The nominal circuits simulate at one condition: the PDK's
card at ngspice's default temperature, which no bench changes.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from autockt_ckt.design_export import ExportedDesign, export_design
from autockt_ckt.settings import Settings

from .sizing import SizedDesign

DESIGN_FILE = "design.json"
NOMINAL_TEMPERATURE_C = 27.0
"""ngspice's default temperature, at which every nominal bench simulates (none sets another)."""


@dataclasses.dataclass(frozen=True)
class DesignFiles:
    design: Path
    subcircuit: Path
    testbench: Path


def write_design(design: SizedDesign, out_dir: Path, settings: Settings | None = None) -> DesignFiles:
    """Write `design`'s three files into `out_dir` (created); `settings` default to this process's (`Settings.from_env`).

    Raises `autockt_ckt.design_export.ExportRefused` for a circuit whose testbench cannot yet print its metrics.
    """
    settings = settings or Settings.from_env()
    exported = export_design(design.circuit, design.values, settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = DesignFiles(
        design=out_dir / DESIGN_FILE,
        subcircuit=out_dir / exported.subcircuit_file,
        testbench=out_dir / exported.testbench_file,
    )
    files.subcircuit.write_text(exported.subcircuit)
    files.testbench.write_text(exported.testbench)
    files.design.write_text(json.dumps(_report(design, exported, settings, files), indent=1) + "\n")
    return files


def _report(design: SizedDesign, exported: ExportedDesign, settings: Settings, files: DesignFiles) -> dict[str, object]:
    return {
        **design.to_json(),
        "pdk": settings.pdk,
        "corner_set": "nominal",
        "corners": [{"name": "nominal", "model_file": exported.model_file, "temperature_c": NOMINAL_TEMPERATURE_C}],
        "files": {"subcircuit": files.subcircuit.name, "testbench": files.testbench.name, "subcircuit_name": exported.subcircuit_name},
        "testbench_prints": list(exported.metrics),
    }
