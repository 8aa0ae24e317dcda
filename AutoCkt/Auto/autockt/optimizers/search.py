"""
# One target's search: what every optimizer simulates through, and what it reports

Every method proposes designs as grid indices (one per parameter, the agents' own grid) and
hands them to `TargetSearch.evaluate` a batch at a time. The search simulates the batch in
one `Simulator.evaluate_batch` call (through a server or in-process, as the agents do), counts
the simulations each design ran (one for a nominal circuit; a PVT circuit's, one per corner
simulated; a failed design one), scores it with the optimization's own reward against the
target, and keeps the best design. Each design is sent the target: a PVT circuit then skips
the other corners of a design that misses at the typical one (one simulation), which scores
below every design simulated at all its corners and never meets the target
(`CircuitOptimization.evaluated_score`). So a search's simulations are counted as an agent's are
(its environment counts the corners simulated), and a budget is one of simulations, not designs.
It decides when the method stops, so that no method can stop differently: at the end of the
batch in which a design first meets the target (`CircuitOptimization.reached`, the environment's
own rule), or when the budget is spent. A batch that would overrun the budget simulates only as
many designs as simulations remain (each costs at least one), so its last designs' other
corners may run past the budget by part of a batch, as an agent's last episode may.

Methods minimize a loss: the negative reward (0 when every spec is met; the target counts as
reached from `-REACHED_THRESHOLD` down). A failed simulation scores the floor
(`CircuitOptimization.lowest_score`: one per metric, twice that for a PVT circuit, whose
skipped designs score down to it), like the environment's penalty for failing.

A method's designs do not depend on its budget, which only cuts them short: `reached_at`
(the design that first met the target, counted in order) therefore says whether a run with
any smaller budget would have reached it, so one run answers every budget up to its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autockt_shared import CircuitOptimization, grid_values

from ..simulator import Metrics, Simulator
from ..specs import Target


@dataclasses.dataclass(frozen=True)
class SizingResult:
    """One method's search for one target.

    `simulations` is what the search spent (whole batches, up to the budget); `reached_at` the
    simulations spent when the first design that met the target had been simulated, its own
    included (`None`: never), at most `simulations`. `trace[i]` is the best reward after simulation
    `i + 1` (the floor until one succeeded; a design's several simulations share its reward).
    `best_design` and `best_metrics` are `None` only when every simulation failed.
    """

    method: str
    target: Target
    reached_at: int | None
    simulations: int
    failed_simulations: int
    best_score: float
    best_design: dict[str, float] | None
    best_metrics: Metrics | None
    trace: tuple[float, ...]

    @property
    def reached(self) -> bool:
        return self.reached_at is not None

    def reached_within(self, simulations: int) -> bool:
        """Whether the same search with a budget of `simulations` would have reached the target."""
        return self.reached_at is not None and self.reached_at <= simulations

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "reached": self.reached, "trace": list(self.trace)}


class TargetSearch:
    """Simulates, scores and counts the designs of one method searching for one target (module docstring)."""

    def __init__(
        self,
        optimization: CircuitOptimization[Any, Any],
        target: Target,
        simulator: Simulator,
        budget: int,
        start: Mapping[str, float] | None = None,
    ) -> None:
        self.optimization = optimization
        self.start = dict(start or optimization.initial_values())
        """Where the methods that start somewhere start: the reset point, or e.g. the design an agent ended on."""
        self.target = dict(target)
        self.simulator = simulator
        self.budget = budget
        self.tops = np.array([p.grid_size - 1 for p in optimization.params], dtype=np.int64)
        """The largest grid index of each parameter (indices run from 0)."""
        self.failure_score = optimization.lowest_score(skipping=True)
        self.simulations = 0
        self.failed = 0
        self.reached_at: int | None = None
        self.best_score = self.failure_score
        self.best_indices: np.ndarray | None = None
        self.best_metrics: Metrics | None = None
        self.trace: list[float] = []

    @property
    def dimensions(self) -> int:
        return len(self.tops)

    @property
    def remaining(self) -> int:
        return self.budget - self.simulations

    @property
    def done(self) -> bool:
        return self.reached_at is not None or self.remaining <= 0

    def initial(self) -> np.ndarray:
        """The grid indices of `start` (by default the reset point, where the agents start)."""
        return np.array([p.index_of(self.start[p.name]) for p in self.optimization.params], dtype=np.int64)

    def from_unit(self, points: np.ndarray) -> np.ndarray:
        """Grid indices of points of the unit cube (rows), each coordinate scaled to its parameter's grid and rounded."""
        return np.rint(np.clip(points, 0.0, 1.0) * self.tops).astype(np.int64)

    def evaluate(self, designs: np.ndarray | Sequence[Sequence[int]]) -> np.ndarray:
        """The loss (negative reward) of each design, given as rows of grid indices, simulated in one batch.

        Designs past the budget are not simulated and lose `inf`; so do none, once the search
        is `done` (calling it then is a method's bug).
        """
        if self.done:
            raise RuntimeError("TargetSearch.evaluate called after the search ended (target reached or budget spent)")
        designs = np.asarray(designs, dtype=np.int64).reshape(-1, self.dimensions)
        simulated = designs[: self.remaining]
        values = [grid_values(self.optimization.params, row) for row in simulated]
        losses = np.full(len(designs), np.inf)
        outcomes = self.simulator.evaluate_batch(values, [self.target] * len(values))
        for i, (row, outcome) in enumerate(zip(simulated, outcomes, strict=True)):
            ran = outcome.value.simulations if outcome.ok else 1
            self.simulations += ran
            score = self.failure_score
            if outcome.ok:
                evaluation = outcome.value
                score = self.optimization.evaluated_score(evaluation, self.target)
                if score > self.best_score or self.best_metrics is None:
                    self.best_score, self.best_indices, self.best_metrics = score, row.copy(), evaluation.metrics
                if self.reached_at is None and self.optimization.evaluated_reached(evaluation, self.target):
                    self.reached_at = self.simulations
            else:
                self.failed += 1
            self.trace.extend([self.best_score] * ran)
            losses[i] = -score
        return losses

    def result(self, method: str) -> SizingResult:
        return SizingResult(
            method=method,
            target=self.target,
            reached_at=self.reached_at,
            simulations=self.simulations,
            failed_simulations=self.failed,
            best_score=self.best_score,
            best_design=None if self.best_indices is None else grid_values(self.optimization.params, self.best_indices),
            best_metrics=self.best_metrics,
            trace=tuple(self.trace),
        )
