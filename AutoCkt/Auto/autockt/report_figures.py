"""
# The figures of a design's report: Bode plots and transients across corners, the sizing's trajectory

Drawn on `matplotlib.figure.Figure` and printed by the Agg canvas, never through pyplot (see
`plots.py`), as PNG bytes that `report.py` inlines, so that the report is one file that opens
anywhere. Every corner is one colour in every figure; with many corners (PPAAS's 17) the
typical one, listed first by every corner set, is drawn on top in black.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence, Sized

from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autockt_shared.design_waveforms import CornerWaveforms
from autockt_shared.optimization import REACHED_THRESHOLD

from .sizing import SizedDesign

DPI = 100
MANY_CORNERS = 6
"""Above this many corners, the legend gives way to the typical corner in black and the others in a palette."""


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def _style(corners: Sequence[str]) -> dict[str, dict[str, object]]:
    """Line style by corner: a palette colour each, the first (typical) thicker and black when there are many."""
    cmap = colormaps["tab20" if len(corners) > 10 else "tab10"]
    styles: dict[str, dict[str, object]] = {}
    for i, corner in enumerate(corners):
        styles[corner] = {"color": cmap(i % cmap.N), "linewidth": 1.2, "label": corner, "zorder": 2}
    if len(corners) > MANY_CORNERS:
        styles[corners[0]] |= {"color": "black", "linewidth": 2.0, "zorder": 3}
    return styles


def _legend_width(corners: Sized) -> float:
    """Inches beside a figure for the legend of many corners."""
    return 1.8 if len(corners) > MANY_CORNERS else 0.0


def _legend(fig: Figure, ax: Axes, corners: Sequence[str]) -> None:
    """The corners' legend: in the axes for a few, beside the figure for many (where it hides no curve)."""
    if len(corners) > MANY_CORNERS:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper", fontsize="x-small", title="corner")
    elif len(corners) > 1:
        ax.legend(loc="best", fontsize="x-small")


def bode_figure(circuit: str, corners: Mapping[str, CornerWaveforms]) -> Figure | None:
    """Magnitude and phase of every AC response (a column each) across `corners`; None without any."""
    names = list(dict.fromkeys(response.name for waves in corners.values() for response in waves.ac))
    if not names:
        return None
    fig = Figure(figsize=(5.2 * len(names) + _legend_width(corners), 6.0), dpi=DPI, layout="constrained")
    axes = fig.subplots(2, len(names), squeeze=False, sharex="col")
    styles = _style(list(corners))
    for column, name in enumerate(names):
        magnitude, phase = axes[0][column], axes[1][column]
        for corner, waves in corners.items():
            for response in waves.ac:
                if response.name == name:
                    magnitude.semilogx(response.freq, response.magnitude_db, **styles[corner])
                    phase.semilogx(response.freq, response.phase_deg, **styles[corner])
        magnitude.axhline(0.0, color="grey", linewidth=0.8, linestyle="--")
        magnitude.set(title=name, ylabel="magnitude (dB)")
        phase.set(xlabel="frequency (Hz)", ylabel="phase (deg)")
        for ax in (magnitude, phase):
            ax.grid(alpha=0.3, which="both")
    _legend(fig, axes[0][0], list(corners))
    fig.suptitle(f"{circuit}: frequency response" + (f" at {len(corners)} corners" if len(corners) > 1 else ""))
    return fig


def transient_figures(circuit: str, corners: Mapping[str, CornerWaveforms]) -> list[Figure]:
    """One figure per transient: each signal in its own panel over a shared time axis, a line per corner."""
    names = list(dict.fromkeys(transient.name for waves in corners.values() for transient in waves.transients))
    styles = _style(list(corners))
    figures = []
    for name in names:
        runs = {corner: t for corner, waves in corners.items() for t in waves.transients if t.name == name}
        signals = list(dict.fromkeys(signal.name for run in runs.values() for signal in run.signals))
        fig = Figure(figsize=(9.0 + _legend_width(corners), 1.2 + 1.3 * len(signals)), dpi=DPI, layout="constrained")
        axes = fig.subplots(len(signals), 1, squeeze=False, sharex=True)[:, 0]
        scale, unit = _time_unit(max(run.time[-1] for run in runs.values()))
        for ax, signal in zip(axes, signals, strict=True):
            for corner, run in runs.items():
                for trace in run.signals:
                    if trace.name == signal:
                        ax.plot([t * scale for t in run.time], trace.values, **styles[corner])
            ax.set_ylabel(f"{signal} (V)", fontsize="small")
            ax.grid(alpha=0.3)
        axes[-1].set_xlabel(f"time ({unit})")
        _legend(fig, axes[0], list(corners))
        fig.suptitle(f"{circuit}: {name}")
        figures.append(fig)
    return figures


def _time_unit(span: float) -> tuple[float, str]:
    for scale, unit in ((1e12, "ps"), (1e9, "ns"), (1e6, "us"), (1e3, "ms")):
        if span * scale < 1e3:
            return scale, unit
    return 1.0, "s"


def trajectory_figure(design: SizedDesign) -> Figure:
    """The best reward so far against simulations (a step curve), the reached rule's threshold, and where it was met."""
    fig = Figure(figsize=(7.5, 3.6), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    simulations = [point[0] for point in design.trajectory]
    rewards = [point[1] for point in design.trajectory]
    ax.step(simulations, rewards, where="post", color="tab:blue", linewidth=1.5, label="best reward so far")
    ax.plot(simulations, rewards, "o", color="tab:blue", markersize=3)
    ax.axhline(REACHED_THRESHOLD, color="tab:green", linestyle="--", linewidth=1.0, label=f"reached: reward >= {REACHED_THRESHOLD:g}")
    if design.reached_at is not None:
        ax.axvline(design.reached_at, color="tab:green", linewidth=0.8, label=f"reached at simulation {design.reached_at}")
    if len(simulations) > 1 and simulations[-1] / max(simulations[0], 1) >= 100:
        ax.set_xscale("log")
    else:
        ax.set_xlim(0, simulations[-1] + 1)
    ax.set(xlabel="simulations", ylabel="reward (0 = every spec met)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.suptitle(f"{design.circuit}: sizing trajectory ({design.simulations} simulation{'s' if design.simulations != 1 else ''})")
    return fig
