"""`AutoCktVectorEnv` against Gymnasium's own vectorization of `AutoCktGym` (real ngspice, in-process).

`SyncVectorEnv` over N `AutoCktGym` is what RLlib stepped before: N lone environments, each
simulating on its own, with next-step autoreset. The batched vector environment must give
exactly its observations, rewards, flags and infos for the same seeds and actions.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from autockt import AutoCktGym, AutoCktVectorEnv, EnvConfig, SimulatorConfig, TargetSet, TrainConfig
from autockt_shared import TWO_STAGE_OPAMP
from discovery_server import ServerProcess, free_port

from ..served_circuits import start_server_argv

N_ENVS = 3
N_METRICS = 4
HORIZON = 3  # short, so every sub-environment ends episodes and is autoreset within the run


def _config(**simulator: Any) -> EnvConfig:
    targets = TargetSet.training(TWO_STAGE_OPAMP, 20, seed=0).targets
    return EnvConfig(targets=targets, horizon=HORIZON, simulator=SimulatorConfig(**simulator))


def _assert_same_infos(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], dict):
            _assert_same_infos(a[key], b[key])
        else:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_vector_env_steps_exactly_as_gymnasium_s_vector_of_lone_environments() -> None:
    config = _config(in_process=True)
    batched = AutoCktVectorEnv(config, num_envs=N_ENVS)
    lone = gym.vector.SyncVectorEnv([lambda: AutoCktGym(config) for _ in range(N_ENVS)], autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    assert batched.observation_space == lone.observation_space and batched.action_space == lone.action_space
    batched.action_space.seed(5)

    obs_b, info_b = batched.reset(seed=11)
    obs_l, info_l = lone.reset(seed=11)
    np.testing.assert_array_equal(obs_b, obs_l)
    _assert_same_infos(info_b, info_l)
    ended = 0
    for _ in range(3 * HORIZON + 2):
        actions = batched.action_space.sample()
        calls_before = batched.simulator.calls
        *out_b, info_b = batched.step(actions)
        *out_l, info_l = lone.step(actions)
        for b, lone_out in zip(out_b, out_l, strict=True):
            np.testing.assert_array_equal(b, lone_out)
        _assert_same_infos(info_b, info_l)
        assert batched.simulator.calls - calls_before == N_ENVS  # one design per sub-environment, in one batch
        ended += int(out_b[2].sum() + out_b[3].sum())
    assert ended >= 2 * N_ENVS  # episodes ended and the autoreset episodes matched too
    assert batched.observation_space.contains(obs_b)
    batched.close()
    lone.close()
    assert batched.closed


def test_bad_arguments_are_refused_with_what_to_do() -> None:
    with pytest.raises(ValueError, match="num_envs must be at least 1"):
        AutoCktVectorEnv(_config(in_process=True), num_envs=0)
    env = AutoCktVectorEnv(_config(in_process=True), num_envs=2)
    with pytest.raises(ValueError, match="2 sub-environments"):
        env.reset(seed=[1, 2, 3])
    with pytest.raises(ValueError, match="reset by the next step"):
        env.reset(options={"reset_mask": np.array([True, False])})
    env.close()
    for field, config in [
        ("SimulatorConfig.max_batch", lambda: SimulatorConfig(max_batch=0)),
        ("SimulatorConfig.retry_deadline_s", lambda: SimulatorConfig(retry_deadline_s=-1)),
        ("TrainConfig.num_envs_per_env_runner", lambda: TrainConfig(num_envs_per_env_runner=0)),
        ("TrainConfig.num_env_runners", lambda: TrainConfig(num_env_runners=0)),
    ]:
        with pytest.raises(ValueError, match=field):
            config()


def test_a_failed_item_is_the_penalty_of_its_own_sub_environment_only(served_circuits: ServerProcess, tmp_path: Path) -> None:
    """Two real servers, one of which kills every simulation at its time limit; the batch's items
    are spread over both, so in each batch some sub-environments fail and the others do not."""
    healthy, port = served_circuits, free_port()
    broken_env = {**os.environ, "AUTOCKT_SIM_TIMEOUT_S": "1e-4"}
    with ServerProcess(start_server_argv(port), port=port, cwd=tmp_path, env=broken_env) as broken:
        # One design per request, so that the client spreads a step's designs over both servers.
        config = _config(server_url=f"{healthy.url},{broken.url}", max_batch=1, retry_deadline_s=0)
        batched = AutoCktVectorEnv(config, num_envs=N_ENVS)
        lone = [AutoCktGym(replace(config, simulator=SimulatorConfig(in_process=True))) for _ in range(N_ENVS)]
        actions = batched.action_space.sample()
        obs, infos = batched.reset(seed=4)
        reset_failed = infos["sim_failed"]
        expected = [env.reset(seed=4 + i) for i, env in enumerate(lone)]
        for i in np.flatnonzero(~reset_failed):
            np.testing.assert_array_equal(obs[i], expected[i][0])
        obs, rewards, terminations, truncations, infos = batched.step(actions)
        batched.close()
    step_failed = infos["sim_failed"] & ~reset_failed
    for i in range(N_ENVS):
        if reset_failed[i] or step_failed[i]:
            assert (terminations[i], truncations[i]) == (True, False)
            assert rewards[i] == -N_METRICS * HORIZON  # the worst reward of the whole episode, as for a lone env
            reason = infos["failure"][i]
            assert "the simulation at reset failed" in reason if reset_failed[i] else "SimulationTimeout" in reason
        else:
            lone_obs, lone_reward, *lone_flags, _ = lone[i].step(actions[i])
            np.testing.assert_array_equal(obs[i], lone_obs)
            assert (rewards[i], terminations[i], truncations[i]) == (lone_reward, *lone_flags)
    n_failed = int(reset_failed.sum() + step_failed.sum())
    assert 0 < n_failed < 2 * N_ENVS - int(reset_failed.sum())  # some items failed, and not every one
