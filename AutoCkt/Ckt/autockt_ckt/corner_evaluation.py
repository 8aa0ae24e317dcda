"""
# A design at a set of PVT corners: its metrics at each, the worst case per spec, skip-on-fail

A design meets a spec only if it meets it at every corner, so the figure that counts is the
worst case: the lowest value of an at-least spec, the highest of an at-most one.
Skip-on-fail (PPAAS's): the first corner (the typical one, as every corner set here lists it
first) runs first, and the others only if it meets the target: a design that fails at typical
conditions fails anyway, and costs one simulation instead of the whole set. The simulations
actually run are what the result holds.

`evaluate_corners` evaluates the corners after the first in runs, one per process section
(`section_runs`), awaited together: with a job runner that sends each run to a pool worker
(`served.JobRunner`), they run in parallel; with one that simulates in place, one after another.
A run is one job because the corners of a section share a netlist, and a worker that moves to
another section reloads its models: measured in one process, a gf180mcu comparator corner took
27.3 ms with its section's corners in turn against 36.4 ms with sections alternating, a sky130
LDO corner 129 ms against 261 ms, and each reload leaks 1.8 kB (gf180mcu) to 7.1 kB (sky130) of
ngspice's memory, which stays flat (0-51 B per evaluation) when the section stays. The price is
parallelism within one design: its 16 non-typical gf180mcu corners make 4 jobs, enough for a
server of up to 4 workers; batches of designs keep larger pools busy. Served circuits count the simulations they run in
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


def section_runs(corners: Sequence[Corner]) -> list[tuple[Corner, ...]]:
    """`corners` by process section, each section's corners in their order, the sections in the order they first appear."""
    runs: dict[str, list[Corner]] = {}
    for corner in corners:
        runs.setdefault(corner.process.section, []).append(corner)
    return [tuple(run) for run in runs.values()]


async def evaluate_corners(
    evaluate: Callable[[tuple[Corner, ...]], Awaitable[Sequence[Mapping[str, float]]]],
    corners: Sequence[Corner],
    senses: Mapping[str, Sense],
    target: Mapping[str, float] | None = None,
) -> CornerEvaluation:
    """`evaluate` (the metrics at each of a run of one section's corners, in order) on `corners`'
    `section_runs`, awaited together; with a `target`, skip-on-fail: the first corner alone, then the
    others only if it meets the target. A set of one corner has nothing to skip: its result is
    complete, so it is never `skipped` (an optimizer then judges the design on it as on any full set)."""
    if not corners:
        raise ValueError("a corner set has at least one corner")
    per_corner: dict[str, Mapping[str, float]] = {}
    rest = list(corners)
    if target is not None and len(corners) > 1:
        (typical,) = await evaluate((corners[0],))
        if not meets(typical, target, senses):
            return CornerEvaluation(per_corner={corners[0].name: dict(typical)}, worst=worst_case([typical], senses), skipped=True)
        per_corner[corners[0].name] = dict(typical)
        rest = rest[1:]
    runs = section_runs(rest)
    for run, answers in zip(runs, await asyncio.gather(*(evaluate(run) for run in runs)), strict=True):
        per_corner.update((corner.name, dict(metrics)) for corner, metrics in zip(run, answers, strict=True))
    in_order = {corner.name: per_corner[corner.name] for corner in corners}
    return CornerEvaluation(per_corner=in_order, worst=worst_case(list(in_order.values()), senses), skipped=False)
