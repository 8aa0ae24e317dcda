"""How hard a circuit's target ranges are: how many targets some design reaches, and whether one design reaches them all.

    python benchmarks/target_difficulty.py [--circuit folded_cascode] [--random 20000] [--searches 60]
    python benchmarks/target_difficulty.py --circuit ppaas_tsa [--corners ppaas] --random 200 --searches 2 --search-budget 60

An RL sizing benchmark is only as good as its targets. If one design meets every target the
ranges can produce, the policy need not read the target at all: it learns one walk from the
reset point to that design, and a reached rate near 100 % says nothing about the agent. If
most targets are out of reach, no agent can score. This script measures both, in-process:

1. an archive of designs the simulator reaches: `--random` uniform grid points, plus
   `--searches` coordinate searches (moves of 1, 3 and 8 grid steps per parameter, at most
   `--search-budget` designs each) from the best of the reset point and 40 random designs
   toward targets drawn beyond the ranges, so that the archive reaches out to the trade-off front;
2. its Pareto front (the reward is monotone in every metric, so a design dominated by
   another never meets a target the other misses);
3. for `--targets` targets drawn from the ranges as training draws them: the fraction met
   (AutoCkt's rule, reward >= -0.02) by some archive design, a lower bound on what an
   optimizer can reach; the largest fraction met by one single design; and the fraction met
   by the reset point.

A circuit simulated at PVT corners (its input has a `corner_set` field: `ppaas_tsa`,
`two_stage_opamp_sky130`) is surveyed at `--corners` (default: the circuit's own default set),
every design at every corner of the set, and its metrics are the worst case over them (the
circuit's `metrics_field`), which is what a target asks of it. That costs a simulation per
corner per design (no skip-on-fail: the archive needs every design's worst case), so the
script prints what one design cost; keep `--random` in the hundreds and `--search-budget`
small for such a circuit. `--known AGENT` adds a model-based agent's known designs (every design it
simulated at every corner in training) to the archive without simulating them again.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autockt_ckt.handlers  # noqa: F401  (attaches the handlers: everything runs in-process)
from autockt.checkpoints import open_agent
from autockt.corners import checked_corner_set
from autockt.model_based import ModelBasedPolicy
from autockt_shared import CircuitOptimization, Sense, all_circuits, circuit_optimization, grid_values
from autockt_shared.corner_sets import CORNER_SET_FIELD

Design = tuple[int, ...]
Metrics = dict[str, float]
SEARCH_MOVES = (-8, -3, -1, 1, 3, 8)


def default_corner_set(opt: CircuitOptimization[Any, Any]) -> str | None:
    """The circuit's own corner set (its input's default), or None for a circuit with no corners."""
    field = opt.input_type.__pydantic_fields__.get(CORNER_SET_FIELD)
    return None if field is None else str(field.default)


def simulate(circuit: str, corners: str | None, design: Design) -> Metrics | None:
    """The metrics of a grid design (at corner set `corners`: the worst case over it), or None
    when its simulation fails."""
    return simulate_values(circuit, corners, grid_values(circuit_optimization(circuit).params, design))


def simulate_values(circuit: str, corners: str | None, values: Metrics) -> Metrics | None:
    """As `simulate`, for parameter values."""
    opt = circuit_optimization(circuit)
    try:
        inp = opt.make_input(values)
        if corners is not None:
            inp = dataclasses.replace(inp, **{CORNER_SET_FIELD: corners})
        return opt.metric_values(opt.sim(inp))
    except Exception:  # a failed design is simply not in the archive
        return None


def ambitious_target(opt: CircuitOptimization[Any, Any], rng: random.Random) -> Metrics:
    """A target up to 3x beyond the hard end of each range, to pull a search onto the front: log-uniform
    on a positive range, uniform over three range widths on one that reaches zero (a PSRR of at least
    0-0.01 dB: no ratio of its ends exists)."""
    target = {}
    for m in opt.metrics:
        lo, hi, u = m.range.lo, m.range.hi, rng.random()
        if lo <= 0:
            target[m.name] = lo + 3 * (hi - lo) * u if m.sense is Sense.AT_LEAST else hi - 3 * (hi - lo) * u
        elif m.sense is Sense.AT_LEAST:
            target[m.name] = lo * (3 * hi / lo) ** u
        else:
            target[m.name] = hi * (lo / (3 * hi)) ** u
    return target


@dataclasses.dataclass(frozen=True)
class SearchJob:
    """One coordinate search: toward `target`, from the best of `starts`, at most `budget` designs."""

    circuit: str
    corners: str | None
    seed: int
    target: Metrics
    starts: list[tuple[Design, Metrics]]
    budget: int


def search(job: SearchJob) -> list[Metrics]:
    """Coordinate ascent on the reward toward `job.target` from the best of `job.starts` (already
    simulated random designs); the metrics of every design it simulates."""
    circuit, seed, target, starts = job.circuit, job.seed, job.target, job.starts
    opt = circuit_optimization(circuit)
    rng = random.Random(seed)
    visited: list[Metrics] = []

    def score(design: Design) -> float:
        metrics = simulate(circuit, job.corners, design)
        if metrics is None:
            return -float(len(opt.metrics))
        visited.append(metrics)
        return opt.score(metrics, target)

    best, design = max((opt.score(metrics, target), d) for d, metrics in starts)
    improved = True
    while improved and best < 0 and len(visited) < job.budget:
        improved = False
        for k in rng.sample(range(len(opt.params)), len(opt.params)):
            for move in SEARCH_MOVES:
                if len(visited) >= job.budget:
                    return visited
                index = design[k] + move
                if 0 <= index < opt.params[k].grid_size:
                    candidate = design[:k] + (index,) + design[k + 1 :]
                    reward = score(candidate)
                    if reward > best:
                        best, design, improved = reward, candidate, True
    return visited


def pareto_front(opt: CircuitOptimization[Any, Any], metrics: Sequence[Metrics]) -> list[Metrics]:
    """The designs no other design beats or equals in every metric (in each metric's sense)."""
    signs = np.array([1.0 if m.sense is Sense.AT_LEAST else -1.0 for m in opt.metrics])
    points = np.array([[x[m.name] for m in opt.metrics] for x in metrics]) * signs
    front: list[int] = []
    # in decreasing order of the summed metrics, a design can only be dominated by one already seen
    for i in np.argsort(-points.sum(axis=1), kind="stable"):
        if not front or not np.any(np.all(points[front] >= points[i], axis=1)):
            front.append(int(i))
    return [metrics[i] for i in front]


def known_designs(opt: CircuitOptimization[Any, Any], corners: str | None, path: Path) -> list[Metrics]:
    """The worst-case metrics of the designs a model-based agent simulated at every corner in training (its memory,
    autockt.move_planner.KnownDesigns): simulated already, so they cost nothing here."""
    agent = open_agent(path)
    policy = agent.policy()
    if not isinstance(policy, ModelBasedPolicy):
        raise SystemExit(f"--known: {path} is not a model-based agent (train_general.py --algo model_based)")
    if agent.record.circuit != opt.name or checked_corner_set(opt, agent.record.corner_set) != corners:
        raise SystemExit(f"--known: {path} was trained on {agent.record.circuit} at {agent.record.corner_set or 'its default corners'}")
    names = [m.name for m in opt.metrics]
    return [dict(zip(names, map(float, row), strict=True)) for row in policy.trained.known.metrics]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--circuit", choices=sorted(all_circuits()), default="folded_cascode")
    parser.add_argument("--random", type=int, default=20000, help="uniform random designs")
    parser.add_argument("--searches", type=int, default=60, help="coordinate searches toward ambitious targets")
    parser.add_argument("--targets", type=int, default=1000, help="targets drawn from the ranges")
    parser.add_argument("--search-budget", type=int, default=1500, help="most designs one search simulates")
    parser.add_argument("--corners", help="corner set of a circuit simulated at PVT corners (default: the circuit's own)")
    parser.add_argument("--workers", type=int, default=None, help="simulating processes (default: one per core)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--known",
        type=Path,
        metavar="AGENT",
        help="a model-based agent of the circuit (checkpoint, experiment or shipped policy): its known designs join the archive",
    )
    args = parser.parse_args()
    opt = circuit_optimization(args.circuit)
    corners = default_corner_set(opt)
    if args.corners is not None:
        if corners is None:
            parser.error(f"--corners: circuit {opt.name!r} is not simulated at corners (its input has no {CORNER_SET_FIELD!r})")
        corners = args.corners
    reset = simulate_values(opt.name, corners, opt.initial_values())
    if reset is None:
        parser.error(f"the reset point of {opt.name!r} does not simulate" + ("" if corners is None else f" at --corners {corners}"))
    reset_start = (tuple(p.index_of(p.initial) for p in opt.params), reset)  # the reset point's grid point: every search may start there
    rng = random.Random(args.seed)
    start = time.perf_counter()

    randoms = [tuple(rng.randrange(p.grid_size) for p in opt.params) for _ in range(args.random)]
    workers = args.workers or multiprocessing.cpu_count()
    # spawn, not fork: a forked libngspice shares its parent's simulator state and hangs
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        random_metrics = pool.starmap(
            simulate, [(opt.name, corners, d) for d in randoms], chunksize=max(1, min(200, args.random // (4 * workers)))
        )
        per_design = (time.perf_counter() - start) * workers / max(1, args.random)  # each worker's first designs load its benches
        simulated = [(d, m) for d, m in zip(randoms, random_metrics, strict=True) if m is not None]
        jobs = [
            SearchJob(
                opt.name,
                corners,
                i,
                ambitious_target(opt, rng),
                [reset_start, *rng.sample(simulated, min(40, len(simulated)))],
                args.search_budget,
            )
            for i in range(args.searches)
        ]
        searched = [m for visited in pool.map(search, jobs, chunksize=1) for m in visited]
    archive = [m for _, m in simulated] + searched + ([] if args.known is None else known_designs(opt, corners, args.known))
    front = pareto_front(opt, archive)

    targets = [opt.sample_target(rng) for _ in range(args.targets)]
    met = np.array([[opt.reached(design, t) for t in targets] for design in front])
    failed = len(randoms) - len(simulated)
    elapsed = time.perf_counter() - start
    at = "" if corners is None else f" at corner set {corners!r} (worst case per design)"
    print(
        f"{opt.name}{at}: {len(archive)} designs simulated ({failed} random ones failed), Pareto front of {len(front)}, {elapsed:.0f} s"
        f"; a random design cost {per_design:.2f} s of one worker ({workers} workers, benches' first loads included)"
    )
    print("ranges: " + ", ".join(f"{m.name} {m.sense.value.replace('_', ' ')} [{m.range.lo:.3g}, {m.range.hi:.3g}]" for m in opt.metrics))
    print(f"targets met by some design (reachable, lower bound): {met.any(axis=0).mean():.1%}")
    print(f"targets met by the best single design: {met.sum(axis=1).max() / len(targets):.1%}")
    print(f"targets met by the reset point: {np.mean([opt.reached(reset, t) for t in targets]):.1%}")


if __name__ == "__main__":
    main()
