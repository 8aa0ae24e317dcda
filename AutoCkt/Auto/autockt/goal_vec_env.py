"""
# `AutoCktGoalVecEnv`: many goal environments for Stable-Baselines3, one batch call per step

SB3's `DummyVecEnv` steps its environments one after another, so each simulates on its own:
one request per design. This `DummyVecEnv` steps `num_envs` `AutoCktGoalEnv`s sharing one
`Simulator` through their two halves instead (`begin_step` / `end_step`, as `AutoCktVectorEnv`
drives `AutoCktGym`), simulating all their designs in one batch call, which a server spreads
over its simulator pool; the environments whose episodes ended are reset in a second batch
within the same step, as SB3 expects (the ended episode's last observation in the info's
`terminal_observation`). Everything else (the observation buffers, `env_method`, which HER calls
for `compute_reward`, seeds and options) is `DummyVecEnv`'s, and so is every step's outcome:
identical to a `DummyVecEnv` of the same environments (tested).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from stable_baselines3.common.vec_env import DummyVecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvObs, VecEnvStepReturn

from .env import EnvConfig, open_simulator
from .goal_env import AutoCktGoalEnv
from .simulator import SimulatorConfig
from .vector_env import simulate_designs, simulation_targets


class AutoCktGoalVecEnv(DummyVecEnv):
    """`num_envs` goal environments of one `EnvConfig`, simulated together (module docstring); arguments as `AutoCktGoalEnv`'s."""

    def __init__(
        self, num_envs: int, config: EnvConfig | None = None, simulator: SimulatorConfig | None = None, continuous_actions: bool = True
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        config = config or EnvConfig()
        self.simulator = open_simulator(config, simulator)
        goal_envs = [AutoCktGoalEnv(config, simulator=self.simulator, continuous_actions=continuous_actions) for _ in range(num_envs)]
        super().__init__([lambda env=env: env for env in goal_envs])  # type: ignore[misc]  # each function returns its own env
        self.goal_envs = goal_envs

    def reset(self) -> VecEnvObs:
        designs = [env.begin_reset(seed=self._seeds[i], options=self._options[i] or None) for i, env in enumerate(self.goal_envs)]
        outcomes = simulate_designs(self.simulator, designs, simulation_targets(self.goal_envs))
        for i, (env, outcome) in enumerate(zip(self.goal_envs, outcomes, strict=True)):
            obs, self.reset_infos[i] = env.end_reset(outcome)  # type: ignore[arg-type]  # every reset simulates
            self._save_obs(i, obs)
        self._reset_seeds()
        self._reset_options()
        return self._obs_from_buf()

    def step_wait(self) -> VecEnvStepReturn:
        designs = [env.begin_step(action) for env, action in zip(self.goal_envs, self.actions, strict=True)]
        outcomes = simulate_designs(self.simulator, designs, simulation_targets(self.goal_envs))
        stepped = [env.end_step(o) for env, o in zip(self.goal_envs, outcomes, strict=True)]
        ended = [i for i, (_, _, terminated, truncated, _) in enumerate(stepped) if terminated or truncated]
        restarts = [self.goal_envs[i].begin_reset() for i in ended]
        resets = simulate_designs(self.simulator, restarts, simulation_targets([self.goal_envs[i] for i in ended]))
        restarted: dict[int, Any] = {}
        for i, outcome in zip(ended, resets, strict=True):
            restarted[i], self.reset_infos[i] = self.goal_envs[i].end_reset(outcome)  # type: ignore[arg-type]
        for i, (obs, reward, terminated, truncated, info) in enumerate(stepped):
            self.buf_rews[i], self.buf_dones[i] = reward, terminated or truncated
            info["TimeLimit.truncated"] = truncated and not terminated
            if i in restarted:
                info["terminal_observation"] = obs
                obs = restarted[i]
            self.buf_infos[i] = info
            self._save_obs(i, obs)
        return self._obs_from_buf(), self.buf_rews.copy(), self.buf_dones.copy(), deepcopy(self.buf_infos)

    def close(self) -> None:
        super().close()
        self.simulator.close()
