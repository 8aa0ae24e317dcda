"""
# `AutoCktVectorEnv`: many `AutoCktGym` episodes, one batch call per step

RLlib's env runner steps `num_envs_per_env_runner` sub-environments at once. Vectorized by
Gymnasium (`SyncVectorEnv`), each sub-environment would simulate on its own, one request
after another, so the server sees one design at a time from each runner. Here every
`step` (and `reset`) collects the designs of all sub-environments that need a simulation
and sends them in one batch call, which the server spreads over its simulator pool.

Each sub-environment is an `AutoCktGym` sharing this environment's simulator, driven
through its two halves (`begin_step` / `end_step`, `begin_reset` / `end_reset`): its episodes
are exactly those of a lone `AutoCktGym` (same seeds, same actions, same observations,
rewards and flags; a failed simulation is that sub-environment's penalty only). Episodes
that end are reset on the following `step`, with Gymnasium's next-step autoreset
(`AutoresetMode.NEXT_STEP`, what RLlib's `SingleAgentEnvRunner` expects): that step returns
the reset observation with reward 0, ignores the sub-environment's action, and simulates the
reset point in the same batch as the others' moves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector.utils import batch_space

from .env import AutoCktGym, Design, EnvConfig, open_simulator
from .policy import SteppedEnv
from .simulator import Outcome, Simulator
from .specs import Target


def simulate_designs(
    simulator: Simulator, designs: Sequence[Design | None], targets: Sequence[Target | None] | None = None
) -> list[Outcome | None]:
    """One batch call for every design that is not `None`, each against its environment's `simulation_target`
    of `targets` (skip-on-fail; none: no target); `None` (nothing to simulate) stays `None`."""
    wanted = [i for i, design in enumerate(designs) if design is not None]
    sent = targets or [None] * len(designs)
    outcomes: list[Outcome | None] = [None] * len(designs)
    if wanted:
        batch = simulator.evaluate_batch([designs[i] for i in wanted], [sent[i] for i in wanted])  # type: ignore[misc]
        for i, outcome in zip(wanted, batch, strict=True):
            outcomes[i] = outcome
    return outcomes


def simulation_targets(envs: Sequence[SteppedEnv]) -> list[Target | None]:
    """What each environment's current design is sent (`AutoCktGym.simulation_target`), read after its `begin_*`."""
    return [env.simulation_target for env in envs]


class AutoCktVectorEnv(gym.vector.VectorEnv[np.ndarray, np.ndarray, np.ndarray]):
    """`num_envs` `AutoCktGym` sub-environments of one `EnvConfig`, simulated together (module docstring)."""

    metadata: dict[str, Any] = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}

    def __init__(self, config: EnvConfig | Mapping[str, Any] | None, num_envs: int) -> None:
        self.closed = True  # nothing opened yet: VectorEnv.__del__ must not close a simulator if this raises
        if num_envs < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        self.config = EnvConfig.of(config)
        self.simulator = open_simulator(self.config)  # an unknown corner set raises here
        self.closed = False
        self.envs = tuple(AutoCktGym(self.config, simulator=self.simulator) for _ in range(num_envs))
        self.num_envs = num_envs
        self.single_observation_space = self.envs[0].observation_space
        self.single_action_space = self.envs[0].action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.render_mode = None
        self._autoreset = np.zeros(num_envs, dtype=np.bool_)

    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every sub-environment, as `SyncVectorEnv` seeds them: an int `seed` gives sub-environment
        `i` the seed `seed + i`; `options` go to each (e.g. `{"target": ...}`)."""
        if options and "reset_mask" in options:
            raise ValueError("AutoCktVectorEnv resets all its sub-environments; episodes that end are reset by the next step")
        if seed is None or isinstance(seed, int):
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"seed: {len(seeds)} seeds for {self.num_envs} sub-environments")
        self._autoreset[:] = False
        designs = [env.begin_reset(seed=s, options=options) for env, s in zip(self.envs, seeds, strict=True)]
        infos: dict[str, Any] = {}
        observations = []
        for i, (env, outcome) in enumerate(
            zip(self.envs, simulate_designs(self.simulator, designs, simulation_targets(self.envs)), strict=True)
        ):
            obs, info = env.end_reset(outcome)  # type: ignore[arg-type]  # every reset simulates
            observations.append(obs)
            infos = self._add_info(infos, info, i)
        return np.stack(observations), infos

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = np.asarray(actions)
        designs = [env.begin_reset() if self._autoreset[i] else env.begin_step(actions[i]) for i, env in enumerate(self.envs)]
        observations = []
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminations = np.zeros(self.num_envs, dtype=np.bool_)
        truncations = np.zeros(self.num_envs, dtype=np.bool_)
        infos: dict[str, Any] = {}
        outcomes = simulate_designs(self.simulator, designs, simulation_targets(self.envs))
        for i, (env, outcome) in enumerate(zip(self.envs, outcomes, strict=True)):
            if self._autoreset[i]:
                obs, info = env.end_reset(outcome)  # type: ignore[arg-type]
            else:
                obs, rewards[i], terminations[i], truncations[i], info = env.end_step(outcome)
            observations.append(obs)
            infos = self._add_info(infos, info, i)
        self._autoreset = terminations | truncations
        return np.stack(observations), rewards, terminations, truncations, infos

    def close_extras(self, **kwargs: Any) -> None:
        self.simulator.close()
