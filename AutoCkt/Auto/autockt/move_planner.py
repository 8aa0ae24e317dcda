"""
# `MovePlanner`: the model-based agent's step, the move whose predicted design scores best

Each step, the planner predicts (metric_model.py) the design every candidate move leads to and
takes the one whose predicted metrics score best against the target: a one-step model-predictive
controller over `AutoCktGym`'s own discrete moves, so its episodes are the environment's
episodes (one simulation per step, the same horizon, reward and reached rule), comparable step
for step with PPO's and SAC + HER's.

* Candidates: every move vector when there are at most `candidates` of them, else that many drawn
  at random plus every move of a single parameter (so that a fine correction is always on offer).
  Greedy, the draw is seeded by the state (the same state, the same choice); sampled, by the
  caller's generator (validation's `sample`).
* Correction: the prediction at each candidate is shifted by the model's error at the current
  design, which was just simulated. Near the current design the model's error varies slowly, so
  this cancels most of it exactly where the agent moves (the disturbance estimate of offset-free
  MPC), and the last steps to a tight target rely on the simulator's answer, not the model's.
* Never twice: the simulator is deterministic, so a design the episode has simulated is known and
  is never a candidate again (unless every candidate is). Where the model is wrong, its best guess
  is simulated, found wanting and struck off, and the next step tries the next best: the episode
  becomes a local search led by the model instead of a walk back and forth between two designs
  the model overrates.
* Refinement: from the best drawn move, coordinate ascent, one parameter's move at a time, for up
  to `refine_sweeps` sweeps: the best of 78,125 move vectors (the two-stage op-amp's 5 moves on 7
  parameters) is too many to predict every step, and 1,500 drawn ones miss it (one 30k-step run's
  agent, 1,000 unseen targets: 930 reached with 1,500 drawn, 939 with 6,000, 937 with 1,500
  refined at a quarter of the 6,000's time).
* Score: the circuit's reward against the target tightened by `margin` per spec (0 by default:
  near the edge of what the circuit can do a margin trades the spec that falls short for margin
  on the others); among moves predicted to meet every spec, the one with the largest smallest error.
* At PVT corners: the model predicts each corner (metric_model.py) and the score is their worst case per
  spec, as the circuit's own worst case is. The correction is per corner; a design skip-on-fail stopped
  at the typical corner lends that corner's error to the others.
* Known designs first (`known`, set for the trained agent, model_based.py): every design simulated
  in training, with its metrics (`KnownDesigns`). When some of them meet the episode's target by
  the reached rule, the planner walks to the one fewest steps away, each parameter's move as near
  its remaining distance as the moves allow, and does not ask the model: those metrics are the
  simulator's own, and the simulator is deterministic. The model leads where no known design
  meets the target. Measured on one 30k-step run's two-stage agent, 1,000 unseen targets: 907
  reached without the memory, 925 with it, on 19 % fewer simulations.

`PlanningEnv` is the environment the planner acts in: an `AutoCktGym` whose observation is the
state itself (`PlanState`: grid indices, metrics at each corner, target, steps left), not the
normalized vector a network needs. A corner's place is its place in the answer, which lists the
corners in the set's order, the typical corner first (`Evaluation.corners`).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from autockt_shared.optimization import REACHED_THRESHOLD, CircuitOptimization, MetricSpec, Sense, settaluri_reward

from .corners import corner_count
from .env import AutoCktGym, Design, EnvConfig
from .metric_model import MetricModel, from_learnt, to_learnt
from .params import ParamGrid
from .simulator import Outcome, Simulator


@dataclasses.dataclass(frozen=True)
class PlanState:
    """What the planner acts on: the current design, its metrics at each corner (corners x metrics, NaN at a corner
    skip-on-fail did not simulate; one row for a nominal circuit; `None` before any simulation), the target, the
    steps left and the designs (grid indices) the episode has simulated."""

    indices: np.ndarray
    metrics: np.ndarray | None
    target: dict[str, float]
    steps_left: int
    visited: frozenset[tuple[int, ...]] = frozenset()


class PlanningEnv:
    """An `AutoCktGym` whose observations are `PlanState`s (module docstring); episodes, rewards and flags are its own."""

    def __init__(self, config: EnvConfig, simulator: Simulator) -> None:
        self.env = AutoCktGym(config, simulator=simulator)
        self.n_corners = corner_count(self.env.optimization, self.env.config.corner_set)
        self._visited: set[tuple[int, ...]] = set()

    def begin_reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Design:
        design = self.env.begin_reset(seed=seed, options=options)
        self._visited = {tuple(self.env.indices.tolist())}
        return design

    def end_reset(self, outcome: Outcome) -> tuple[PlanState, dict[str, Any]]:
        _, info = self.env.end_reset(outcome)
        return self.state(), info

    def begin_step(self, action: np.ndarray) -> Design | None:
        design = self.env.begin_step(action)
        self._visited.add(tuple(self.env.indices.tolist()))
        return design

    def end_step(self, outcome: Outcome | None) -> tuple[PlanState, float, bool, bool, dict[str, Any]]:
        _, reward, terminated, truncated, info = self.env.end_step(outcome)
        return self.state(), reward, terminated, truncated, info

    @property
    def simulation_target(self) -> dict[str, float] | None:
        return self.env.simulation_target

    def state(self) -> PlanState:
        return PlanState(self.env.indices, self._corner_metrics(), self.env.target, self.env.steps_left, frozenset(self._visited))

    def _corner_metrics(self) -> np.ndarray | None:
        metrics, names = self.env.metrics, [s.name for s in self.env.optimization.metrics]
        if metrics is None:
            return None
        corners = list(self.env.corner_metrics.values()) or [metrics]
        if len(corners) not in (1, self.n_corners):
            raise RuntimeError(f"{self.env.optimization.name}: {len(corners)} corners in an answer at a set of {self.n_corners}")
        rows = np.full((self.n_corners, len(names)), np.nan)
        rows[: len(corners)] = [[at[n] for n in names] for at in corners]
        return rows


def worst_case(specs: Sequence[MetricSpec], per_corner: np.ndarray) -> np.ndarray:
    """Each spec's worst value over the corners (axis -2) of `per_corner`, in any space monotone in the metrics (the
    learnt one is): the lowest of an at-least spec, the highest of an at-most one. NaN corners are ignored."""
    at_least = np.array([s.sense is Sense.AT_LEAST for s in specs])
    return np.where(at_least, np.nanmin(per_corner, axis=-2), np.nanmax(per_corner, axis=-2))


def predicted_scores(
    optimization: CircuitOptimization[Any, Any], metrics: np.ndarray, target: dict[str, float], margin: float
) -> np.ndarray:
    """The circuit's reward of each row of `metrics` against `target` with each spec tightened by `margin`, and the
    smallest spec error of each row, as one key (module docstring): higher is better."""
    errors = spec_errors(optimization.metrics, metrics, target)
    if optimization.reward is settaluri_reward:
        score = np.minimum(errors - margin, 0.0).sum(axis=1)
    else:  # another reward: ask it, row by row, without the margin (a tightening of the AutoCkt reward's terms)
        names = [s.name for s in optimization.metrics]
        score = np.array([optimization.score(dict(zip(names, row, strict=True)), target) for row in metrics])
    return score + 1e-3 * np.minimum(errors.min(axis=1), 0.2)


def spec_errors(specs: Sequence[MetricSpec], metrics: np.ndarray, target: dict[str, float]) -> np.ndarray:
    """`MetricSpec.error` of every row and spec: signed relative errors, positive when met."""
    wanted = np.array([target[s.name] for s in specs], dtype=np.float64)
    denominator = np.abs(metrics) + np.abs(wanted)
    relative = np.divide(metrics - wanted, denominator, out=np.zeros_like(metrics), where=denominator > 0)
    return np.where([s.sense is Sense.AT_LEAST for s in specs], relative, -relative)


@dataclasses.dataclass(frozen=True)
class KnownDesigns:
    """Designs simulated in training (grid indices, one row each) with their metrics: the worst case over every
    corner, never a skipped design's typical corner alone (module docstring)."""

    indices: np.ndarray
    metrics: np.ndarray

    @classmethod
    def from_data(cls, grid: ParamGrid, specs: Sequence[MetricSpec], features: np.ndarray, metrics: np.ndarray) -> KnownDesigns:
        """From the model's training data: grid positions (`ParamGrid.normalized`) and (corners x metrics) per design;
        the designs simulated at every corner."""
        whole = ~np.isnan(metrics).any(axis=(1, 2))
        top = np.array([p.grid_size - 1 for p in grid.params])
        indices = np.rint((features[whole] + 1.0) / 2.0 * top).astype(np.int64)
        return cls(indices, worst_case(specs, metrics[whole]))

    def closest_meeting(
        self, optimization: CircuitOptimization[Any, Any], grid: ParamGrid, here: np.ndarray, target: dict[str, float]
    ) -> np.ndarray | None:
        """The known design meeting `target` (the reached rule) fewest steps from `here`, the most margin among those; `None` if none."""
        if optimization.reward is not settaluri_reward or not len(self.indices):
            return None  # another reward: the rule is not vectorized here, and the model alone plans
        errors = spec_errors(optimization.metrics, self.metrics, target)
        meeting = np.minimum(errors, 0.0).sum(axis=1) >= REACHED_THRESHOLD
        if not meeting.any():
            return None
        steps = (np.abs(self.indices[meeting] - here) / (np.abs(grid.moves).max() * grid.strides)).max(axis=1)
        best = np.lexsort((-errors[meeting].min(axis=1), np.ceil(steps)))[0]
        return self.indices[meeting][best]


def walk(grid: ParamGrid, here: np.ndarray, there: np.ndarray) -> np.ndarray:
    """The move towards `there`: for each parameter the move nearest its remaining distance, the smaller on a tie."""
    remaining = (there - here)[:, None]
    reach = grid.moves[None, :] * grid.strides[:, None]
    size = np.abs(grid.moves)
    miss = np.abs(remaining - reach) * (size.max() + 1) + size[None, :]  # distance first, then size
    return np.argmin(miss, axis=1)


class MovePlanner:
    """Chooses each step's move from a `MetricModel`'s predictions (module docstring)."""

    def __init__(self, env: AutoCktGym, model: MetricModel, candidates: int, margin: float, refine_sweeps: int = 3) -> None:
        self.optimization, self.grid, self.model = env.optimization, env.grid, model
        self.refine_sweeps = refine_sweeps
        self.candidates, self.margin = candidates, margin
        n_params, n_moves = len(self.grid.params), len(self.grid.moves)
        self._all = n_moves**n_params <= candidates
        self._enumerated = np.array(list(itertools.product(range(n_moves), repeat=n_params)), dtype=np.int64) if self._all else None
        stay = self._stay = int(np.argmin(np.abs(self.grid.moves)))
        singles = np.full((n_params * n_moves, n_params), stay, dtype=np.int64)
        for p in range(n_params):
            singles[p * n_moves : (p + 1) * n_moves, p] = np.arange(n_moves)
        self._singles = singles
        self.known: KnownDesigns | None = None

    def act(self, state: PlanState, rng: np.random.Generator | None = None) -> np.ndarray:
        """The move (one index into the moves per parameter) for `state`; `rng` `None`: greedy (module docstring)."""
        if state.metrics is None:  # nothing simulated to plan from (the reset's simulation failed): stay
            return np.full(len(self.grid.params), int(np.argmin(np.abs(self.grid.moves))), dtype=np.int64)
        if self.known is not None:
            goal = self.known.closest_meeting(self.optimization, self.grid, state.indices, state.target)
            if goal is not None:
                return walk(self.grid, state.indices, goal)
        error = to_learnt(state.metrics, self.model.normalizers) - self.model.predict(self.grid.normalized(state.indices)[None])[0]
        correction = np.where(np.isnan(error), error[0], error)  # a corner skip-on-fail did not simulate: the typical one's
        moves = self._candidate_moves(rng or np.random.default_rng([*state.indices.tolist(), state.steps_left]))
        scores = self._scores(state, moves, correction)
        best = moves[int(np.argmax(scores))]
        for _ in range(self.refine_sweeps):  # coordinate ascent from the best drawn: one parameter's move at a time
            variants = np.repeat(best[None], len(self._singles), axis=0)
            changed = self._singles != self._stay
            variants[changed] = self._singles[changed]
            variant_scores = self._scores(state, variants, correction)
            if variant_scores.max() <= scores.max():
                break
            best, scores = variants[int(np.argmax(variant_scores))], variant_scores
        return best

    def _scores(self, state: PlanState, moves: np.ndarray, correction: np.ndarray) -> np.ndarray:
        """Each move's predicted score (module docstring); a design the episode simulated scores -inf unless all did."""
        designs = self.grid.apply(state.indices, moves)  # every candidate at once: one row each
        predicted = self.model.predict(self.grid.normalized(designs))
        metrics = from_learnt(worst_case(self.optimization.metrics, predicted + correction), self.model.normalizers)
        scores = predicted_scores(self.optimization, metrics, state.target, self.margin)
        known = np.array([tuple(d) in state.visited for d in designs.tolist()])
        if not known.all():
            scores[known] = -np.inf
        return scores

    def _candidate_moves(self, rng: np.random.Generator) -> np.ndarray:
        if self._enumerated is not None:
            return self._enumerated
        n_params, n_moves = self._singles.shape[1], len(self.grid.moves)
        drawn = rng.integers(n_moves, size=(self.candidates, n_params))
        return np.vstack([self._singles, drawn])
