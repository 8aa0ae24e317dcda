"""
# A design at a set of PVT corners: its metrics at each, the worst case per spec, skip-on-fail

A design meets a spec only if it meets it at every corner, so the figure that counts is the
worst case: the lowest value of an at-least spec, the highest of an at-most one.
Skip-on-fail (PPAAS's): the first corner (the typical one, as every corner set here lists it
first) runs first, and the others only if it meets the target: a design that fails at typical
conditions fails anyway, and costs one simulation instead of the whole set. The simulations
actually run are what the result holds.

This runs the corners one after another in the calling process; a server spreads a design's
corners over its pool's workers and aggregates their results with `worst_case` and `meets`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from autockt_shared.optimization import Sense

from .pdks import Corner


@dataclass(frozen=True)
class CornerEvaluation:
    per_corner: Mapping[str, Mapping[str, float]]
    """Metrics by corner name, for the corners simulated, in the set's order."""
    worst: Mapping[str, float]
    """The worst value of each spec over the corners simulated."""
    skipped: bool
    """True if the first corner missed the target and the others were not simulated."""


def worst_case(per_corner: Sequence[Mapping[str, float]], senses: Mapping[str, Sense]) -> dict[str, float]:
    """Each spec of `senses` at its worst over `per_corner`: lowest if at least, highest if at most."""
    if not per_corner:
        raise ValueError("no corner's metrics to take the worst case of")
    return {spec: (min if sense is Sense.AT_LEAST else max)(metrics[spec] for metrics in per_corner) for spec, sense in senses.items()}


def meets(metrics: Mapping[str, float], target: Mapping[str, float], senses: Mapping[str, Sense]) -> bool:
    """Whether `metrics` meet every spec of `target` (each named in `senses`)."""
    unknown = set(target) - set(senses)
    if unknown:
        raise KeyError(f"target names specs {sorted(unknown)} that are not among {sorted(senses)}")
    return all(metrics[spec] >= value if senses[spec] is Sense.AT_LEAST else metrics[spec] <= value for spec, value in target.items())


def evaluate_corners(
    evaluate: Callable[[Corner], Mapping[str, float]],
    corners: Sequence[Corner],
    senses: Mapping[str, Sense],
    target: Mapping[str, float] | None = None,
) -> CornerEvaluation:
    """`evaluate` at each of `corners`; with a `target`, skip-on-fail: the corners after the
    first only if the first meets it."""
    if not corners:
        raise ValueError("a corner set has at least one corner")
    first = dict(evaluate(corners[0]))
    if target is not None and not meets(first, target, senses):
        return CornerEvaluation(per_corner={corners[0].name: first}, worst=worst_case([first], senses), skipped=True)
    per_corner = {corners[0].name: first, **{corner.name: dict(evaluate(corner)) for corner in corners[1:]}}
    return CornerEvaluation(per_corner=per_corner, worst=worst_case(list(per_corner.values()), senses), skipped=False)
