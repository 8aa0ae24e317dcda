"""
# `AutoCktGoalEnv`: a circuit as a goal-conditioned environment (the Gymnasium-Robotics convention)

Off-policy agents with hindsight experience replay (HER: PPAAS trains SAC with it) learn from
the episodes that missed their target by pretending the target was what they did reach. That
needs the target apart from the rest of the observation and a reward computable from any pair
of goals, as Gymnasium-Robotics' `GoalEnv` has them, so that Stable-Baselines3's
`HerReplayBuffer` (or any HER) works on it unchanged:

| key | what |
| --- | --- |
| `observation` | the current metrics normalized by each spec's normalizer, the grid position of each parameter, the time left and, with skip-on-fail, whose metrics they are, all in [-1, 1] (as `AutoCktGym`'s blocks) |
| `achieved_goal` | the current metrics, each `(x - n) / (|x| + n)` by its spec's normalizer `n` |
| `desired_goal` | the target, encoded the same way |

The goal encoding is the observation's own normalization, which is invertible for the
positive values targets and metrics take (`x = n (1 + g) / (1 - g)`; a metric at or below 0
encodes to -1, and against a positive target all such values score alike, so nothing the
reward sees is lost). Goals are float64 so that decoding them is exact to rounding.
`compute_reward(achieved, desired, info)` decodes both and pays the circuit's own reward,
`REACHED_BONUS` when the target counts as reached, exactly as `AutoCktGym`; a transition whose
simulation failed keeps the penalty it was paid (in its `info`), whatever the goals. `step`
pays what `compute_reward` says of its own goals, so a relabelled reward is the reward `step`
would have paid. `compute_terminated` is reaching the target (or a failed simulation);
`compute_truncated` is never: the horizon truncates, in `step`, and goals do not change it.

With skip-on-fail (env.py), a transition whose design was skipped (its `info["skipped"]`) holds
the typical corner's metrics as its achieved goal: whatever goal it is relabelled with, it pays
the skipped score (`CircuitOptimization.evaluated_score`: less `skipped_penalty`) and never reaches or terminates, since
its other corners were never simulated (PPAAS's HER keeps its stored flags the same way).

The episode itself (reset point, targets, moves, horizon, failures, the simulator) is an
`AutoCktGym`'s, held inside. Actions are continuous by default (`Box(-1, 1)` per parameter,
scaled to the largest move and rounded onto the grid, params.py), or the discrete moves with
`continuous_actions=False`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from autockt_shared import REACHED_BONUS

from .env import AutoCktGym, Design, EnvConfig
from .simulator import Outcome, Simulator, SimulatorConfig

GoalObservation = dict[str, np.ndarray]
Info = Mapping[str, Any]


class AutoCktGoalEnv(gym.Env[GoalObservation, np.ndarray]):
    """One circuit as a goal environment (module docstring).

    `config` defines the episode as for `AutoCktGym`; `circuit` and `simulator`, when given,
    replace its fields, so that `gymnasium.make("autockt/TwoStageOpamp-v0",
    simulator=SimulatorConfig(in_process=True))` works. A `Simulator` object instead of a config
    shares one simulator (its owner closes it). `continuous_actions` replaces the config's own
    field: continuous unless asked otherwise, since goal environments are for the off-policy,
    continuous-control algorithms HER serves.
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        config: EnvConfig | None = None,
        circuit: str | None = None,
        simulator: SimulatorConfig | Simulator | None = None,
        continuous_actions: bool = True,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"AutoCktGoalEnv renders nothing, got render_mode={render_mode!r}")
        config = dataclasses.replace(config or EnvConfig(), continuous_actions=continuous_actions)
        if circuit is not None:
            config = dataclasses.replace(config, circuit=circuit)
        if isinstance(simulator, SimulatorConfig):
            config = dataclasses.replace(config, simulator=simulator)
        self.env = AutoCktGym(config, simulator=simulator if isinstance(simulator, Simulator) else None)
        self.optimization = self.env.optimization
        self._normalizers = np.array([m.normalizer for m in self.optimization.metrics], dtype=np.float64)
        n_metrics, n_params = len(self.optimization.metrics), len(self.optimization.params)
        goal = gym.spaces.Box(-1.0, 1.0, shape=(n_metrics,), dtype=np.float64)
        self.observation_space = gym.spaces.Dict(
            {
                "observation": gym.spaces.Box(-1.0, 1.0, shape=(n_metrics + n_params + 1 + int(self.env.skips_on_fail),), dtype=np.float64),
                "achieved_goal": goal,
                "desired_goal": goal,
            }
        )
        self.action_space = self.env.action_space

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[GoalObservation, dict[str, Any]]:
        """As `AutoCktGym.reset`: `options={"target": {...}}`, else a target drawn from the training set."""
        return self.end_reset(self._simulate(self.begin_reset(seed=seed, options=options)))

    def step(self, action: np.ndarray) -> tuple[GoalObservation, float, bool, bool, dict[str, Any]]:
        design = self.begin_step(action)
        return self.end_step(None if design is None else self._simulate(design))

    def begin_reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Design:
        """The first half of `reset` (as `AutoCktGym`'s, for vector environments that simulate many designs at once)."""
        super().reset(seed=seed)
        return self.env.begin_reset(seed=seed, options=options)

    def end_reset(self, outcome: Outcome) -> tuple[GoalObservation, dict[str, Any]]:
        _, info = self.env.end_reset(outcome)
        return self._observation(), info

    def begin_step(self, action: np.ndarray) -> Design | None:
        return self.env.begin_step(action)

    def end_step(self, outcome: Outcome | None) -> tuple[GoalObservation, float, bool, bool, dict[str, Any]]:
        _, _, _, truncated, info = self.env.end_step(outcome)
        obs = self._observation()
        reward = float(self.compute_reward(obs["achieved_goal"], obs["desired_goal"], info))
        terminated = bool(self.compute_terminated(obs["achieved_goal"], obs["desired_goal"], info))
        return obs, reward, terminated, truncated and not terminated, info

    def compute_reward(self, achieved_goal: np.ndarray, desired_goal: np.ndarray, info: Info | Sequence[Info] | None) -> np.ndarray:
        """The reward `step` pays for reaching `achieved_goal` when asked for `desired_goal`; batches (one goal
        per row, `info` one dict per row, as HER passes them) give one reward per row."""
        scores, reached = self._judge(achieved_goal, desired_goal)
        skipped = self._flag(info, "skipped", scores.shape)
        rewards = np.where(reached & ~skipped, REACHED_BONUS, scores - np.where(skipped, self.optimization.skipped_penalty, 0.0))
        paid = np.array([_info_score(i) for i in _rows(info, rewards.shape)], dtype=np.float64).reshape(rewards.shape)
        return np.where(self._flag(info, "sim_failed", rewards.shape), paid, rewards)

    def compute_terminated(self, achieved_goal: np.ndarray, desired_goal: np.ndarray, info: Info | Sequence[Info] | None) -> np.ndarray:
        """Whether the episode ends: the target reached (by a design not skipped), or the simulation failed."""
        _, reached = self._judge(achieved_goal, desired_goal)
        return (reached & ~self._flag(info, "skipped", reached.shape)) | self._flag(info, "sim_failed", reached.shape)

    def compute_truncated(self, achieved_goal: np.ndarray, desired_goal: np.ndarray, info: Info | Sequence[Info] | None) -> np.ndarray:
        """Never for goals' sake: only the horizon truncates an episode, and `step` says when."""
        return np.zeros(np.shape(achieved_goal)[:-1], dtype=bool)

    def close(self) -> None:
        self.env.close()

    def decode(self, goal: np.ndarray) -> np.ndarray:
        """Metric values of goals (the last axis, one per metric), inverting `MetricSpec.normalize` for values >= 0."""
        g = np.clip(np.asarray(goal, dtype=np.float64), -1.0, np.nextafter(1.0, 0.0))
        return self._normalizers * (1.0 + g) / (1.0 - g)

    @property
    def simulation_target(self) -> dict[str, float] | None:
        return self.env.simulation_target

    def _simulate(self, design: Design) -> Outcome:
        """One design as a batch of one: a failure comes back as the outcome `end_step` turns into the penalty."""
        return self.env.simulator.evaluate_batch([design], [self.simulation_target])[0]

    def _encode(self, metrics: Mapping[str, float]) -> np.ndarray:
        return np.array([m.normalize(metrics[m.name]) for m in self.optimization.metrics], dtype=np.float64)

    def _observation(self) -> GoalObservation:
        blocks = self.env.observation_blocks()
        return {
            "observation": np.clip(np.concatenate([blocks["metrics"], blocks["params"], blocks["time"], blocks["corners"]]), -1.0, 1.0),
            "achieved_goal": blocks["metrics"],
            "desired_goal": self._encode(self.env.target),
        }

    def _judge(self, achieved_goal: np.ndarray, desired_goal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The circuit's score and reached flag of every pair of goals, shaped as the goals less their last axis."""
        names = [m.name for m in self.optimization.metrics]
        achieved, desired = np.broadcast_arrays(self.decode(achieved_goal), self.decode(desired_goal))
        flat_a, flat_d = achieved.reshape(-1, len(names)), desired.reshape(-1, len(names))
        pairs = [(dict(zip(names, a, strict=True)), dict(zip(names, d, strict=True))) for a, d in zip(flat_a, flat_d, strict=True)]
        scores = np.array([self.optimization.score(a, d) for a, d in pairs], dtype=np.float64)
        reached = np.array([self.optimization.reached(a, d) for a, d in pairs], dtype=bool)
        shape = achieved.shape[:-1]
        return scores.reshape(shape), reached.reshape(shape)

    @staticmethod
    def _flag(info: Info | Sequence[Info] | None, key: str, shape: tuple[int, ...]) -> np.ndarray:
        """The info's flag `key` (`sim_failed`, `skipped`) of every goal pair; False where it does not say."""
        return np.array([bool(i.get(key, False)) for i in _rows(info, shape)], dtype=bool).reshape(shape)


def _rows(info: Info | Sequence[Info] | None, shape: tuple[int, ...]) -> list[Info]:
    """One info dict per goal pair: HER passes an array of them, `step` one for its one pair."""
    n = int(np.prod(shape))
    if info is None:
        return [{}] * n
    if isinstance(info, Mapping):
        return [info] * n
    rows = list(np.asarray(info, dtype=object).reshape(-1))
    if len(rows) != n:
        raise ValueError(f"compute_reward: {len(rows)} info dicts for {n} pairs of goals")
    return rows


def _info_score(info: Info) -> float:
    """What a transition was paid (its failure penalty, for a failed one); 0 where the info does not say."""
    return float(info.get("score", 0.0))
