"""
# The pictures of a run: reached targets, learning curve

Both are drawn on a `matplotlib.figure.Figure` printed by the Agg canvas, never through
pyplot: pyplot keeps global figures and a backend chosen for the whole process, which a
library must not do to a notebook or a GUI that imports it.

- `reached.png` (each validation report): the unseen targets in spec space, reached and
  missed, one panel per pair of metrics whose targets vary.
- `learning_curve.png` (beside it): the training reach rate against env steps, a line per
  trial, and the unseen-target reach rate of every validation report of the experiment at
  the env steps of its checkpoint, greedy and sampled; a PVT policy's reports at a corner set
  other than the one it trained at (validate.py) are series of their own, labelled with the set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autockt_shared import CircuitOptimization, MetricSpec

from .experiment import ExperimentDir

DPI = 110
VALIDATION_MARKERS = {"greedy": "o", "sampled": "x"}


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig).print_png(str(path))


def plot_reached(optimization: CircuitOptimization[Any, Any], outcomes: Sequence[dict[str, Any]], path: Path) -> None:
    """Reached and missed targets, one panel per pair of metrics whose targets actually vary."""
    varying = [m for m in optimization.metrics if m.range.hi - m.range.lo > 1e-6 * max(abs(m.range.hi), abs(m.range.lo))]
    pairs = [(a, b) for i, a in enumerate(varying) for b in varying[i + 1 :]] or [(varying[0], varying[0])]
    fig = Figure(figsize=(5 * len(pairs), 4.5), dpi=DPI, layout="tight")
    axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    reached = np.array([o["reached"] for o in outcomes], dtype=bool)
    n_reached = int(reached.sum())
    for ax, (x, y) in zip(axes, pairs, strict=True):
        xs = np.array([o["target"][x.name] for o in outcomes])
        ys = np.array([o["target"][y.name] for o in outcomes])
        ax.scatter(xs[reached], ys[reached], s=8, c="tab:green", label=f"reached ({n_reached})")
        ax.scatter(xs[~reached], ys[~reached], s=14, c="tab:red", marker="x", label=f"missed ({len(outcomes) - n_reached})")
        _axis(ax, x, "x")
        _axis(ax, y, "y")
    axes[0].legend(loc="best", fontsize="small")
    fig.suptitle(f"{optimization.name}: {n_reached}/{len(outcomes)} unseen targets reached")
    _save(fig, path)


def _axis(ax: Axes, metric: MetricSpec, which: str) -> None:
    label = f"target {metric.name}" + (f" ({metric.unit})" if metric.unit else "")
    log = metric.range.lo > 0 and metric.range.hi / metric.range.lo >= 100  # decades apart: a linear axis would crush the low end
    getattr(ax, f"set_{which}label")(label)
    if log:
        getattr(ax, f"set_{which}scale")("log")


def validation_series(experiment: ExperimentDir) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The summaries of the experiment's reports on unseen targets (a file's given targets measure no
    generalization), one series per (actions, ` at <set>` for a corner set other than the one trained at, else
    empty), each in order of env steps."""
    series: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for summary in experiment.validation_reports():
        if summary.get("env_steps") is not None and summary.get("targets", "unseen") == "unseen":
            validated_at = summary.get("corner_set")
            elsewhere = f" at {validated_at}" if validated_at != summary.get("trained_corner_set") else ""
            series.setdefault((summary["actions"], elsewhere), []).append(summary)
    return {key: sorted(summaries, key=lambda s: s["env_steps"]) for key, summaries in sorted(series.items())}


def plot_learning_curve(experiment: ExperimentDir, path: Path) -> None:
    """The experiment's learning curve (module docstring); an experiment with no result yet gives empty axes."""
    fig = Figure(figsize=(7.5, 4.2), dpi=DPI, layout="tight")
    ax = fig.subplots()
    trials = experiment.trials()
    for trial in trials:
        label = "training (exploring)" + (", trial of " + " ".join(trial.trial.split("_")[-2:]) if len(trials) > 1 else "")
        ax.plot(trial.env_steps, trial.reached_rate, ".-", markersize=3, linewidth=1.2, label=label)
    for (actions, elsewhere), summaries in validation_series(experiment).items():
        steps = [s["env_steps"] for s in summaries]
        rates = [s["reached_fraction"] for s in summaries]
        sizes = sorted({s["n_targets"] for s in summaries})
        label = f"unseen targets, {actions}{elsewhere} (n={'/'.join(map(str, sizes))})"
        ax.plot(
            steps,
            rates,
            VALIDATION_MARKERS.get(actions, "s"),
            linestyle="none",  # points of different trials (a rerun into the same experiment) are not one series
            markersize=8,
            markerfacecolor="none",
            markeredgewidth=2,
            label=label,
        )
        last = summaries[-1]
        ax.annotate(
            f"{last['n_reached']}/{last['n_targets']}",
            (last["env_steps"], last["reached_fraction"]),
            textcoords="offset points",
            xytext=(-8, (20 if last["reached_fraction"] < 0.15 else -16) if actions == "sampled" else 8),
            ha="right",
            fontsize="small",
        )
    ax.set(xlabel="env steps", ylabel="reach rate", ylim=(-0.02, 1.02))
    ax.grid(alpha=0.3)
    if ax.has_data():
        ax.legend(loc="upper left", fontsize="small")
    record = experiment.record()
    final = [t.reached_rate[-1] for t in trials if t.reached_rate and not math.isnan(t.reached_rate[-1])]
    ax.set_title(f"{record.circuit}: learning curve" + (f" (training reach rate {final[-1]:.2f})" if final else ""))
    _save(fig, path)
