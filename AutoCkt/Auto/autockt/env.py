"""
# `AutoCktGym`: one circuit, one target per episode, one simulation per step

An episode starts at the circuit's reset point with a target drawn from the training set.
Each step moves every parameter at once by one of a few grid steps (AutoCkt: -1, 0, +2),
simulates the new design through the circuit's Rpc and pays the optimization's reward. The
episode ends with the reached bonus when the target is met (`terminated`), or at the
horizon (`truncated`).

The observation is five blocks (six with skip-on-fail, below), all in [-1, 1] and declared so (`check_env` passes, unlike
the public AutoCkt whose declared bounds did not contain its observations):

| block | size | what |
| --- | --- | --- |
| metrics | one per metric | current metrics, normalized `(x - n) / (|x| + n)` by each spec's normalizer |
| target | one per metric | the target's place in its spec range, scaled to [-1, 1] (0 for a fixed target) |
| params | one per parameter | grid position, scaled to [-1, 1] |
| errors | one per metric | `tanh(4 * e)` of each metric's signed relative error `e` against its target (positive: met) |
| time | 1 | steps left until the horizon, scaled to [-1, 1] |
| corners | 1 if skip-on-fail, else 0 | whether the metrics are the worst case over every corner (1) or the typical corner's alone (-1) |

The target is scaled to its range, not by the normalizer, and the errors are stretched
around 0, because the decisive differences are small there: a gain target of 380 against
340 is 0.06 apart after `(x - n) / (x + n)`. The errors block is a function of the others;
giving it explicitly spares the policy from learning the reward's own arithmetic. Time left
makes the episode Markov despite the horizon (the value of a state depends on it).

A simulation that fails (server gone, simulator error) never raises out of the environment,
where it would kill an RLlib env runner: the step pays `failure_penalty` and ends the episode.

Skip-on-fail. A circuit simulated at several PVT corners whose input takes an optional target
(`CircuitOptimization.skips_on_fail`, e.g. `ppaas_tsa`) is sent the episode's target with every
design (`EnvConfig.skip_on_fail`, on by default), as the loosest bounds with which the design
could still count as reached (`autockt_shared.optimization.skip_bounds`): a design that misses
them at the typical corner costs one simulation instead of the whole corner set. What the agent
sees of such a skipped design:

* reached: never. Its worst case over every corner is no better than its typical corner, which
  already rules the target out, so this is what the full corner set would have said too.
* reward: the typical corner's score less `len(metrics)` (`CircuitOptimization.evaluated_score`;
  `autockt_shared.optimization` says why), PPAAS's choice in AutoCkt's scale: every skipped design pays less than
  any design simulated at every corner, and the typical corner's shortfall still ranks skipped
  designs among themselves. A step's reward is then at least `-2 len(metrics)`, and the default
  failure penalty follows.
* observation: the metrics block holds the typical corner's metrics (the only ones measured),
  and a sixth block, `corners` (one entry, only for such a circuit), says whose they are: 1 the
  worst case over every corner, -1 the typical corner alone (skipped), 0 none yet.

`info["skipped"]` and `info["simulations"]` (simulations the step ran: 1 when skipped, the set's
size otherwise, 0 when none ran) let training and validation count what skip-on-fail saved.

Corner set. A PVT circuit's environment simulates at the set `EnvConfig.corner_set` names (e.g.
`tt`, the typical corner alone: one simulation a step where `ppaas` runs 9 or 17), by default the
circuit's own; an unknown set, or any set for a nominal circuit, is refused with an `InputError` at
`corner_set` (corners.py). The observation is the same shape at every set, so that a policy trained
fast at `tt` can be validated at the full set: a set of one corner has nothing to skip, its metrics
are always the worst case over the whole set, and the `corners` block reads 1 once simulated (the
failure penalty stays the skip-on-fail one, so rewards are in the same range at every set).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from autockt_shared import REACHED_BONUS, circuit_optimization
from autockt_shared.optimization import Evaluation
from discovery_shared import BatchItem

from .corners import CORNER_SET_FIELD, checked_corner_set, corner_options
from .params import DEFAULT_MOVES, ParamGrid
from .simulator import Metrics, Outcome, SimulationFailure, Simulator, SimulatorConfig
from .specs import Target, TargetSet

log = logging.getLogger(__name__)

DEFAULT_HORIZON = 30
DEFAULT_TRAINING_TARGETS = 350
ERROR_STRETCH = 4.0
ENV_CONFIG_KEY = "autockt"
"""RLlib hands environments a dict: the `EnvConfig` travels under this key."""
Design = dict[str, float]
"""Parameter values by name, as the simulation Rpc takes them."""


@dataclasses.dataclass(frozen=True)
class EnvConfig:
    """One environment: which circuit, which targets, how the agent moves, who simulates.

    `targets` empty means the default training set: 350 targets generated with seed 0.
    `failure_penalty` `None` means the worst reward of every step left until the horizon
    (`-len(metrics)` each, the floor of the AutoCkt reward; twice that with skip-on-fail), so
    ending an episode by breaking the simulator is never better than playing it out.
    `continuous_actions` swaps the discrete moves for a `Box(-1, 1)` per parameter scaled to
    the largest move (params.py). `skip_on_fail` sends the episode's target with each design
    to a circuit that can skip its other corners on it (module docstring); others ignore it.
    `corner_set` names the PVT corners a circuit simulates at (module docstring), `None` its default set.
    """

    circuit: str = "two_stage_opamp"
    targets: tuple[Target, ...] = ()
    moves: tuple[int, ...] = DEFAULT_MOVES
    horizon: int = DEFAULT_HORIZON
    simulator: SimulatorConfig = dataclasses.field(default_factory=SimulatorConfig)
    failure_penalty: float | None = None
    continuous_actions: bool = False
    skip_on_fail: bool = True
    corner_set: str | None = None

    def for_rllib(self) -> dict[str, EnvConfig]:
        """The `env_config` dict RLlib passes to the environment creator in every env runner."""
        return {ENV_CONFIG_KEY: self}

    @classmethod
    def of(cls, config: EnvConfig | Mapping[str, Any] | None) -> EnvConfig:
        """`config` itself, the one RLlib's `env_config` dict carries (`for_rllib`), or the default."""
        if config is None or isinstance(config, EnvConfig):
            return config or cls()
        return config.get(ENV_CONFIG_KEY) or cls()


class AutoCktGym(gym.Env[np.ndarray, np.ndarray]):
    """The AutoCkt environment over any `CircuitOptimization` (see the module docstring).

    `reset` and `step` each run in two halves around one simulation: `begin_reset` /
    `begin_step` say which design to simulate, `end_reset` / `end_step` turn its outcome into
    the observation, reward and flags. `AutoCktVectorEnv` and batched validation call the halves
    themselves, to simulate the designs of many environments in one batch call; the episode
    logic is this class's, whoever simulates. `simulator` given: the environment uses it and
    leaves closing it to its owner; else it opens (and closes) its own.
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self, config: EnvConfig | Mapping[str, Any] | None = None, simulator: Simulator | None = None) -> None:
        self.config = EnvConfig.of(config)
        self.optimization = circuit_optimization(self.config.circuit)
        self.grid = ParamGrid(self.optimization.params, self.config.moves, continuous=self.config.continuous_actions)
        self.targets = self.config.targets or TargetSet.training(self.optimization, DEFAULT_TRAINING_TARGETS, 0).targets
        self.corner_set = checked_corner_set(self.optimization, self.config.corner_set)
        shared_at = None if simulator is None else checked_corner_set(self.optimization, simulator.options.get(CORNER_SET_FIELD))
        if simulator is not None and shared_at != self.corner_set:
            raise ValueError(f"the simulator given simulates at the corner set {shared_at}, the environment at {self.corner_set}")
        self._owns_simulator = simulator is None
        self.simulator = simulator or open_simulator(self.config)
        self.skips_on_fail = self.config.skip_on_fail and self.optimization.skips_on_fail
        n_metrics, n_params = len(self.optimization.metrics), len(self.grid.params)
        self.action_space = self.grid.action_space
        n_obs = 3 * n_metrics + n_params + 1 + int(self.skips_on_fail)
        self.observation_space = gym.spaces.Box(-1.0, 1.0, shape=(n_obs,), dtype=np.float32)
        self._indices = self.grid.initial()
        self._target: Target = self.targets[0]
        self._metrics: Metrics | None = None
        self._corners: Mapping[str, Metrics] = {}
        self._skipped = False
        self._steps = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Back to the reset point with a new target: `options={"target": {...}}`, else one drawn from the training set."""
        return self.end_reset(self._simulate(self.begin_reset(seed=seed, options=options)))

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        design = self.begin_step(action)
        return self.end_step(None if design is None else self._simulate(design))

    def begin_reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Design:
        """The first half of `reset`: pick the target, go to the reset point; returns the design to simulate."""
        super().reset(seed=seed)
        if options and "target" in options:
            self._target = {m.name: float(options["target"][m.name]) for m in self.optimization.metrics}
        else:
            self._target = self.targets[int(self.np_random.integers(len(self.targets)))]
        self._indices = self.grid.initial()
        self._steps = 0
        self._metrics, self._corners = None, {}
        self._skipped = False
        return self.grid.values(self._indices)

    def end_reset(self, outcome: Outcome) -> tuple[np.ndarray, dict[str, Any]]:
        """The second half of `reset`, given the simulation of the design `begin_reset` returned."""
        evaluation = self._evaluation_of(outcome)
        self._metrics = None if evaluation is None else evaluation.metrics
        self._corners = {} if evaluation is None else evaluation.corners
        self._skipped = evaluation is not None and evaluation.skipped
        return self._observation(), {"sim_failed": evaluation is None, **_counts(evaluation)}

    def begin_step(self, action: np.ndarray) -> Design | None:
        """The first half of `step`: apply the move; returns the design to simulate, or `None` when
        the reset's own simulation failed (the step then ends the episode without simulating)."""
        self._steps += 1
        if self._metrics is None:
            return None
        self._indices = self.grid.apply(self._indices, action)
        return self.grid.values(self._indices)

    def end_step(self, outcome: Outcome | None) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """The second half of `step`, given the simulation of the design `begin_step` returned (`None` if none)."""
        if outcome is None:
            return self._fail("the simulation at reset failed")
        evaluation = self._evaluation_of(outcome)
        if evaluation is None:
            return self._fail(str(outcome.error))
        self._metrics, self._corners, self._skipped = evaluation.metrics, evaluation.corners, evaluation.skipped
        score = self.optimization.evaluated_score(evaluation, self._target)
        reached = self.optimization.evaluated_reached(evaluation, self._target)
        truncated = not reached and self._steps >= self.config.horizon
        info = {"reached": reached, "score": score, "sim_failed": False, "metrics": evaluation.metrics, **_counts(evaluation)}
        return self._observation(), REACHED_BONUS if reached else score, reached, truncated, info

    def close(self) -> None:
        if self._owns_simulator:
            self.simulator.close()

    @property
    def target(self) -> Target:
        return dict(self._target)

    @property
    def simulation_target(self) -> Target | None:
        """What the simulations of this episode's designs are sent: its target with skip-on-fail, else nothing."""
        return dict(self._target) if self.skips_on_fail else None

    @property
    def indices(self) -> np.ndarray:
        """The current design's grid indices (params.py)."""
        return self._indices.copy()

    @property
    def skipped(self) -> bool:
        """Whether skip-on-fail stopped the current design at its typical corner (its metrics are that corner's alone)."""
        return self._skipped

    @property
    def steps_left(self) -> int:
        return self.config.horizon - self._steps

    @property
    def metrics(self) -> Metrics | None:
        """The current design's metrics; `None` before the first simulation and after a failed one at reset."""
        return None if self._metrics is None else dict(self._metrics)

    @property
    def corner_metrics(self) -> dict[str, Metrics]:
        """A PVT circuit's current design at each corner simulated (`Evaluation.corners`); {} for a nominal circuit."""
        return {name: dict(at) for name, at in self._corners.items()}

    def _simulate(self, design: Design) -> Outcome:
        try:
            return BatchItem.success(self.simulator.evaluate(design, self.simulation_target))
        except SimulationFailure as err:
            return BatchItem.failure(err)

    @staticmethod
    def _evaluation_of(outcome: Outcome) -> Evaluation | None:
        if outcome.error is not None:
            log.warning("%s; the episode ends with a penalty", outcome.error)
            return None
        return outcome.value

    def _fail(self, reason: str | None) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        penalty = self.config.failure_penalty
        if penalty is None:
            penalty = self.optimization.lowest_score(self.skips_on_fail) * (self.config.horizon - self._steps + 1)
        info = {"reached": False, "score": penalty, "sim_failed": True, "failure": reason, **_counts(None)}
        return self._observation(), penalty, True, False, info

    def observation_blocks(self) -> dict[str, np.ndarray]:
        """The blocks of the module docstring, unclipped, in float64 (the goal environment builds its own
        observation from them); metrics and errors read 0 while the metrics are unknown."""
        specs = self.optimization.metrics
        target = [_place_in_range(self._target[s.name], s.range.lo, s.range.hi) for s in specs]
        if self._metrics is None:
            metrics = errors = [0.0] * len(specs)
        else:
            metrics = [s.normalize(self._metrics[s.name]) for s in specs]
            errors = [math.tanh(ERROR_STRETCH * s.error(self._metrics[s.name], self._target[s.name])) for s in specs]
        return {
            "metrics": np.array(metrics, dtype=np.float64),
            "target": np.array(target, dtype=np.float64),
            "params": self.grid.normalized(self._indices),
            "errors": np.array(errors, dtype=np.float64),
            "time": np.array([1.0 - 2.0 * self._steps / self.config.horizon]),
            "corners": np.array([self._corners_seen()] if self.skips_on_fail else [], dtype=np.float64),
        }

    def _corners_seen(self) -> float:
        if self._metrics is None:
            return 0.0
        return -1.0 if self._skipped else 1.0

    def _observation(self) -> np.ndarray:
        obs = np.concatenate(list(self.observation_blocks().values())).astype(np.float32)
        return np.clip(obs, -1.0, 1.0)


def open_simulator(config: EnvConfig, simulator: SimulatorConfig | None = None) -> Simulator:
    """A simulator for environments of `config` to share: at its corner set (checked: an `InputError` at
    `corner_set`), answered as `simulator` says (default: `config.simulator`)."""
    optimization = circuit_optimization(config.circuit)
    options = corner_options(checked_corner_set(optimization, config.corner_set))
    return Simulator(optimization, simulator or config.simulator, options)


def _counts(evaluation: Evaluation | None) -> dict[str, Any]:
    """What a reset or step tells of its simulation's cost: whether it skipped, and the simulations it ran."""
    if evaluation is None:
        return {"skipped": False, "simulations": 0}
    return {"skipped": evaluation.skipped, "simulations": evaluation.simulations}


def _place_in_range(x: float, lo: float, hi: float) -> float:
    """`x` in `[lo, hi]` scaled to [-1, 1]; 0 when the range is a point (to float precision)."""
    if hi - lo <= 1e-6 * max(abs(lo), abs(hi)):
        return 0.0
    return 2.0 * (x - lo) / (hi - lo) - 1.0
