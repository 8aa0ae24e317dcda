"""
# A sized design's report: one HTML file that shows a designer what was asked and what was found

`write_report(design, path, simulator)` asks whoever simulated the sizing (a server, or this
process) for the design's waveforms (the Rpc `design_waveforms`) and writes `report.html`:
the target against the metrics at each corner (each spec marked pass or fail), the design's
parameters, the Bode plots across corners of an amplifier or a loop, the transients across
corners of a settling or timing circuit, and the sizing's trajectory (`SizedDesign.trajectory`).

One self-contained file: inline CSS, figures as base64 PNG (`report_figures.py`), no script
and no external URL, so that it travels with the netlists, is archived with them and opens
offline in any browser. A design whose waveforms cannot be had (its circuit has none, or the
simulation failed) still gets its report, with the reason where the plots would be: the
sizing is done by then, and a report without curves is worth more than none.
"""

from __future__ import annotations

import base64
import html
import importlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

import discovery_client as dc
from autockt_shared import CircuitOptimization, MetricSpec, Sense, circuit_optimization
from autockt_shared.design_waveforms import DesignWaveforms, WaveformsInput, design_waveforms

from .report_figures import bode_figure, png, trajectory_figure, transient_figures
from .simulator import IN_PROCESS_HANDLERS, SimulatorConfig
from .sizing import SizedDesign

REPORT_FILE = "report.html"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.pass { background: #e6f4e6; color: #1a5e1a; } td.fail { background: #fbe4e4; color: #8a1c1c; font-weight: bold; }
.verdict-reached { color: #1a5e1a; } .verdict-missed { color: #8a1c1c; }
figure { margin: 1em 0; } img { max-width: 100%; height: auto; border: 1px solid #eee; }
.note { background: #fff8e1; padding: 0.5em 1em; border-left: 4px solid #f0c36d; }
"""

_PREFIXES = {-5: "f", -4: "p", -3: "n", -2: "µ", -1: "m", 0: "", 1: "k", 2: "M", 3: "G", 4: "T"}
_BASE_UNITS = {"Hz", "A", "s", "V", "W", "F", "Ohm"}
"""Units shown with an SI prefix (the others, such as `V/V`, `deg`, `um` or `pF`, as they are)."""


def write_report(design: SizedDesign, path: Path, simulator: SimulatorConfig) -> Path:
    """Write `design`'s report to `path`, its waveforms simulated by `simulator` (module docstring)."""
    waveforms: DesignWaveforms | None = None
    missing: str | None = None
    try:
        waveforms = fetch_waveforms(design.circuit, design.values, design.corner_set, simulator)
    except Exception as err:  # whatever the waveforms' fate, the sized design gets its report, the reason in it
        missing = f"{type(err).__name__}: {err}"
    path.write_text(render(design, waveforms, missing))
    return path


def fetch_waveforms(circuit: str, values: Mapping[str, float], corner_set: str | None, simulator: SimulatorConfig) -> DesignWaveforms:
    """The design's waveforms at each corner of `corner_set` (None: a nominal circuit's one), from
    `simulator`'s server or this process."""
    inp = WaveformsInput(circuit=circuit, design=dict(values), corner_set=corner_set)
    if simulator.in_process:
        importlib.import_module(IN_PROCESS_HANDLERS)
        return design_waveforms(inp)
    with dc.Client(simulator.client_config()) as client:
        return client.call(design_waveforms, inp)


def render(design: SizedDesign, waveforms: DesignWaveforms | None, missing: str | None = None) -> str:
    """The report's HTML: `waveforms` None (with the reason `missing`) leaves the plots out."""
    optimization = circuit_optimization(design.circuit)
    verdict = "reached" if design.reached else "NOT reached"
    where = f" at simulation {design.reached_at}" if design.reached_at is not None else ""
    parts = [
        f"<h1>{_e(design.circuit)}: sized design</h1>",
        f'<p class="verdict-{"reached" if design.reached else "missed"}"><strong>Target {verdict}</strong>{where} '
        f"of {design.simulations} simulations ({design.failed_simulations} failed); sized by {_e(_method(design))}, "
        f"simulated {_e(design.simulator)}.</p>",
        *(f'<p class="note">{_e(note)}</p>' for note in design.warnings),
        "<h2>Target and metrics at each corner</h2>",
        _metrics_table(optimization, design, waveforms),
        "<h2>Design</h2>",
        _design_table(optimization, design.values),
    ]
    if waveforms is None:
        parts += ["<h2>Waveforms</h2>", f'<p class="note">No waveforms: {_e(missing or "not asked for")}</p>']
    else:
        bode = bode_figure(design.circuit, waveforms.corners)
        if bode is not None:
            parts += ["<h2>Frequency response</h2>", _image(bode, f"{design.circuit} Bode plot")]
        transients = transient_figures(design.circuit, waveforms.corners)
        if transients:
            parts += ["<h2>Transients</h2>", *(_image(fig, f"{design.circuit} transient") for fig in transients)]
    parts += ["<h2>Sizing trajectory</h2>", _image(trajectory_figure(design), f"{design.circuit} sizing trajectory")]
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{_e(design.circuit)}: sized design</title>\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def corner_metrics(design: SizedDesign, waveforms: DesignWaveforms | None) -> dict[str, Mapping[str, float]]:
    """The metrics at each corner: a PVT design's as its sizing evaluated them, then their worst case;
    a nominal design's from the run of its waveforms where that run gives them, else as sized."""
    if design.corners:
        return {**{corner.name: corner.metrics for corner in design.corners}, f"worst case over {design.corner_set}": design.metrics}
    if waveforms is None:
        return {"as sized": design.metrics}
    return {name: waves.metrics or design.metrics for name, waves in waveforms.corners.items()}


def _metrics_table(optimization: CircuitOptimization[Any, Any], design: SizedDesign, waveforms: DesignWaveforms | None) -> str:
    specs = optimization.metrics
    head = "".join(f"<th>{_e(m.name)}<br>{_e(_relation(m))} {_e(si(design.target[m.name], m.unit))}</th>" for m in specs)
    rows = []
    for corner, metrics in corner_metrics(design, waveforms).items():
        cells = "".join(_metric_cell(m, metrics[m.name], design.target[m.name]) for m in specs)
        rows.append(f"<tr><td>{_e(corner)}</td>{cells}</tr>")
    return f'<table class="metrics"><tr><th>corner</th>{head}</tr>\n' + "\n".join(rows) + "</table>"


def _metric_cell(spec: MetricSpec, value: float, target: float) -> str:
    error = spec.error(value, target)
    if error >= 0:
        return f'<td class="pass">{_e(si(value, spec.unit))} &#10003; pass</td>'
    return f'<td class="fail">{_e(si(value, spec.unit))} &#10007; fail ({error:.1%})</td>'


def _design_table(optimization: CircuitOptimization[Any, Any], values: Mapping[str, float]) -> str:
    rows = "".join(f"<tr><td>{_e(p.name)}</td><td>{_e(si(values[p.name], p.unit))}</td></tr>" for p in optimization.params)
    return f'<table class="design"><tr><th>parameter</th><th>value</th></tr>{rows}</table>'


def _relation(spec: MetricSpec) -> str:
    return "≥" if spec.sense is Sense.AT_LEAST else "≤"


def _method(design: SizedDesign) -> str:
    agent = design.method.get("agent")
    optimizer = design.method.get("optimizer")
    described = [f"agent {agent['checkpoint']}"] if agent else []
    return ", then ".join([*described, *([optimizer] if optimizer else [])]) or "nothing"


def _image(fig: Figure, alt: str) -> str:
    data = base64.b64encode(png(fig)).decode("ascii")
    return f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}"></figure>'


def si(value: float, unit: str) -> str:
    """`value` with `unit`, SI-prefixed for the base units (12.3 MHz, 45 µA), four significant digits."""
    if unit not in _BASE_UNITS or value == 0 or not math.isfinite(value):
        return f"{value:.4g} {unit}".strip()
    exponent = min(max(math.floor(math.log10(abs(value)) / 3), -5), 4)
    return f"{value / 1000.0**exponent:.4g} {_PREFIXES[exponent]}{unit}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)
