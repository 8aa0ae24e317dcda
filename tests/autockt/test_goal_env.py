"""The goal environments (autockt.goal_env, autockt.registration), simulated for real: in-process, and through a server with HER."""

from __future__ import annotations

from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3 import SAC, HerReplayBuffer
from stable_baselines3.common.env_checker import check_env as sb3_check_env
from stable_baselines3.common.vec_env import DummyVecEnv

from autockt import AutoCktGoalEnv, EnvConfig, SimulatorConfig, env_id, register_envs
from autockt.goal_vec_env import AutoCktGoalVecEnv
from autockt_shared import REACHED_BONUS, TWO_STAGE_OPAMP, all_circuits
from discovery_server import BackgroundServer

IN_PROCESS = SimulatorConfig(in_process=True)


@pytest.fixture(autouse=True)
def _sb3_logs_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SB3's `learn` opens a logger folder, by default a new `SB3-<time>` in the system's temp directory."""
    monkeypatch.setenv("SB3_LOGDIR", str(tmp_path / "sb3"))


def test_every_circuit_has_a_registered_id() -> None:
    ids = register_envs()
    assert ids == sorted(env_id(c) for c in all_circuits())
    assert env_id("two_stage_opamp") == "autockt/TwoStageOpamp-v0" and "autockt/TwoStageOpamp-v0" in gymnasium.registry
    assert register_envs() == ids  # registering again changes nothing


@pytest.mark.parametrize("circuit", sorted(all_circuits()))
def test_each_registered_id_passes_gymnasium_s_and_sb3_s_checkers(circuit: str) -> None:
    register_envs()
    env = gymnasium.make(env_id(circuit), simulator=IN_PROCESS)
    try:
        goal_env = env.unwrapped
        assert isinstance(goal_env, AutoCktGoalEnv) and goal_env.optimization.name == circuit
        check_env(goal_env, skip_render_check=True)
        sb3_check_env(goal_env, warn=False)
        assert goal_env.env.simulator.calls > 0  # the checkers' steps really simulated
    finally:
        env.close()


def test_the_module_convention_of_gymnasium_make_registers_on_import() -> None:
    env = gymnasium.make("autockt.gym_ids:autockt/TwoStageOpamp-v0", simulator=IN_PROCESS, continuous_actions=False)
    assert isinstance(env.action_space, gymnasium.spaces.MultiDiscrete)  # the discrete moves, on request
    env.close()


def test_step_pays_what_compute_reward_says_and_what_autockt_gym_pays() -> None:
    env = AutoCktGoalEnv(EnvConfig(horizon=8, simulator=IN_PROCESS))
    env.action_space.seed(1)
    obs, _ = env.reset(seed=1)
    achieved, desired, rewards = [], [], []
    for step in range(1, 9):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs)
        assert reward == env.compute_reward(obs["achieved_goal"], obs["desired_goal"], info)
        # the goals decode to the simulated metrics and the target, so the reward is the circuit's own
        np.testing.assert_allclose(env.decode(obs["achieved_goal"]), [info["metrics"][m.name] for m in TWO_STAGE_OPAMP.metrics], rtol=1e-12)
        expected = REACHED_BONUS if info["reached"] else TWO_STAGE_OPAMP.score(info["metrics"], env.env.target)
        assert reward == pytest.approx(expected, rel=1e-12)
        assert terminated == info["reached"] and truncated == (not terminated and step == 8)
        achieved.append(obs["achieved_goal"]), desired.append(obs["desired_goal"]), rewards.append(reward)
        if terminated:
            break
    # vectorized: one reward per row, the same as one at a time; every achieved goal against itself is reached
    np.testing.assert_array_equal(env.compute_reward(np.stack(achieved), np.stack(desired), None), rewards)
    np.testing.assert_array_equal(env.compute_reward(np.stack(achieved), np.stack(achieved), None), REACHED_BONUS)
    assert env.compute_terminated(np.stack(achieved), np.stack(achieved), None).all()
    assert not env.compute_truncated(np.stack(achieved), np.stack(desired), None).any()
    env.close()


def test_continuous_actions_move_by_whole_grid_steps_up_to_the_largest_move() -> None:
    env = AutoCktGoalEnv(EnvConfig(moves=(-3, -1, 0, 1, 3), simulator=IN_PROCESS))
    env.reset(seed=0, options={"target": {"gain": 300.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}})
    start = env.env.grid.initial()
    action = np.array([1.0, -1.0, 0.5, 0.1, -0.2, 0.0, 1.0], dtype=np.float32)
    obs, *_ = env.step(action)
    expected = np.clip(start + np.array([3, -3, 2, 0, -1, 0, 3]), 0, 99)  # a * 3, rounded
    np.testing.assert_allclose(obs["observation"][4:11], env.env.grid.normalized(expected))
    env.close()


def test_sac_with_her_learns_through_a_server_and_its_relabelled_rewards_are_compute_reward_s(circuit_server: BackgroundServer) -> None:
    env = AutoCktGoalEnv(EnvConfig(horizon=5, simulator=SimulatorConfig(server_url=circuit_server.url, retry_deadline_s=0)))
    model = SAC(
        "MultiInputPolicy",
        env,
        replay_buffer_class=HerReplayBuffer,
        replay_buffer_kwargs={"n_sampled_goal": 4, "goal_selection_strategy": "future", "copy_info_dict": True},
        learning_starts=20,
        batch_size=32,
        policy_kwargs={"net_arch": [32, 32]},
        seed=0,
        device="cpu",
    )
    model.learn(total_timesteps=40)
    assert env.env.simulator.calls >= 40  # every step simulated on the server, and the resets
    samples = model.replay_buffer.sample(256)
    achieved = samples.next_observations["achieved_goal"].numpy().astype(np.float64)
    desired = samples.observations["desired_goal"].numpy().astype(np.float64)
    rewards = samples.rewards.numpy().ravel()
    # goals travel as float32 tensors: recomputed from them, the rewards agree to float32's precision
    np.testing.assert_allclose(rewards, env.compute_reward(achieved, desired, None), rtol=1e-4, atol=1e-5)
    assert (rewards == REACHED_BONUS).any() and (rewards < 0).any()  # relabelled goals reached, and real ones missed
    env.close()


def test_the_batched_vector_env_steps_exactly_as_sb3_s_dummy_vec_env() -> None:
    config = EnvConfig(horizon=3, simulator=IN_PROCESS)
    batched = AutoCktGoalVecEnv(3, config)
    one_by_one = DummyVecEnv([lambda: AutoCktGoalEnv(config) for _ in range(3)])
    rng = np.random.default_rng(0)
    try:
        for venv in (batched, one_by_one):
            venv.seed(5)
        _assert_same_observations(batched.reset(), one_by_one.reset())
        ended = 0
        for _ in range(7):  # horizon 3: every sub-environment ends and restarts at least once
            actions = rng.uniform(-1, 1, size=(3, 7)).astype(np.float32)
            (obs_a, rew_a, done_a, info_a), (obs_b, rew_b, done_b, info_b) = (batched.step(actions), one_by_one.step(actions))
            _assert_same_observations(obs_a, obs_b)
            np.testing.assert_array_equal(rew_a, rew_b)
            np.testing.assert_array_equal(done_a, done_b)
            for a, b in zip(info_a, info_b, strict=True):
                assert a.keys() == b.keys() and a["metrics"] == b["metrics"] and a["TimeLimit.truncated"] == b["TimeLimit.truncated"]
                if "terminal_observation" in a:
                    _assert_same_observations(a["terminal_observation"], b["terminal_observation"])
            ended += int(done_a.sum())
        assert ended >= 3
        assert batched.simulator.calls == 3 + 7 * 3 + ended  # the resets, every step's designs, and the restarts
    finally:
        batched.close()
        one_by_one.close()


def test_sac_with_her_trains_on_the_batched_vector_env_through_a_server(circuit_server: BackgroundServer) -> None:
    venv = AutoCktGoalVecEnv(2, EnvConfig(horizon=4), SimulatorConfig(server_url=circuit_server.url, retry_deadline_s=0))
    model = SAC(
        "MultiInputPolicy",
        venv,
        replay_buffer_class=HerReplayBuffer,
        replay_buffer_kwargs={"n_sampled_goal": 4, "goal_selection_strategy": "future"},
        learning_starts=16,
        batch_size=16,
        policy_kwargs={"net_arch": [32, 32]},
        seed=0,
        device="cpu",
    )
    model.learn(total_timesteps=32)
    assert venv.simulator.calls >= 32
    venv.close()


def _assert_same_observations(a: object, b: object) -> None:
    assert isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
