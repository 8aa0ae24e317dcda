"""
# A design at a set of PVT corners: its metrics at each, the worst case per spec, skip-on-fail

A design meets a spec only if it meets it at every corner, so the figure that counts is the
worst case: the lowest value of an at-least spec, the highest of an at-most one.
Skip-on-fail (PPAAS's): the first corner (the typical one, as every corner set here lists it
first) runs first, and the others only if it meets the target: a design that fails at typical
conditions fails anyway, and costs one simulation instead of the whole set. The simulations
actually run are what the result holds.

`evaluate_corners` awaits the corners after the first together: with a job runner that sends
each to a pool worker (`served.JobRunner`), they run in parallel; with one that simulates in
place, one after another. Served circuits count the simulations they run in
`CORNER_SIMULATIONS` (`/metrics`: `autockt_corner_simulations_total{circuit}`), so that
skip-on-fail's saving is visible on a server; answers from the result cache run none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client import Counter

from autockt_shared.optimization import Sense

from .pdks import Corner

CORNER_SIMULATIONS = Counter(
    "autockt_corner_simulations", "Simulations of a design at one PVT corner that served calls ran, by circuit", ["circuit"]
)


@dataclass(frozen=True)
class CornerEvaluation:
    per_corner: Mapping[str, Mapping[str, float]]
    """Metrics by corner name, for the corners simulated, in the set's order."""
    worst: Mapping[str, float]
    """The worst value of each spec over the corners simulated."""
    skipped: bool
    """True if the first corner missed the target and the others were not simulated (never for a set of one corner)."""

    @property
    def simulations(self) -> int:
        """Simulations run: one per corner in `per_corner`."""
        return len(self.per_corner)


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


async def evaluate_corners(
    evaluate: Callable[[Corner], Awaitable[Mapping[str, float]]],
    corners: Sequence[Corner],
    senses: Mapping[str, Sense],
    target: Mapping[str, float] | None = None,
) -> CornerEvaluation:
    """`evaluate` at each of `corners`, awaited together; with a `target`, skip-on-fail: the
    first alone, then the others together only if it meets the target. A set of one corner has
    nothing to skip: its result is complete, so it is never `skipped` (an optimizer then judges
    the design on it as on any full set)."""
    if not corners:
        raise ValueError("a corner set has at least one corner")
    done: list[Mapping[str, float]] = []
    if target is not None and len(corners) > 1:
        done.append(await evaluate(corners[0]))
        if not meets(done[0], target, senses):
            return CornerEvaluation(per_corner={corners[0].name: dict(done[0])}, worst=worst_case(done, senses), skipped=True)
    done += await asyncio.gather(*(evaluate(corner) for corner in corners[len(done) :]))
    per_corner = {corner.name: dict(metrics) for corner, metrics in zip(corners, done, strict=True)}
    return CornerEvaluation(per_corner=per_corner, worst=worst_case(list(per_corner.values()), senses), skipped=False)
