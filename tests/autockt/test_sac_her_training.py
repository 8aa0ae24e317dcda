"""SAC + HER (`--algo sac_her`, autockt.sac_her) trained briefly through a real server, resumed, and validated
through validate.py as PPO's checkpoints are: the same run layout, progress line, TensorBoard tags and validation path."""

from __future__ import annotations

import contextlib
import io
import json
import re
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from autockt import Simulator, SimulatorConfig
from autockt.checkpoints import load_policy
from autockt.command_line import train_from_command_line, validate_from_command_line
from autockt.experiment import ExperimentDir
from autockt.sac_her import SacHerConfig, SacHerPolicy, replay_buffer_file, train_sac_her
from autockt.validate import roll_out, validate
from autockt_shared import TWO_STAGE_OPAMP
from discovery_server import BackgroundServer

from ..tiny_training import tiny_training

REPORT = 120
# PPAAS's networks, a smaller batch for speed; learning to start before the 4 x 30 steps that finish the first
# episodes HER can sample: the run must wait for them itself
SMALL = SacHerConfig(num_envs=4, report_every=REPORT, batch_size=64, learning_starts=30)


def test_sac_her_trains_resumes_and_validates_greedy_and_sampled(circuit_server: BackgroundServer, tmp_path: Path) -> None:
    server = SimulatorConfig(server_url=circuit_server.url)
    config = tiny_training(circuit_server.url, tmp_path, experiment="sac", max_env_steps=2 * REPORT, checkpoint_every=1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = train_sac_her(config, SMALL, progress=True)

    # The progress line of PPO's runs, off a terminal: the first and the last report.
    assert re.search(
        r"^iteration 1: .*\n^iteration 2: 240/240 env steps \(100%\) \| reach [\d.]+ \| return -?[\d.]+ \| \d+ sims/s", out.getvalue(), re.M
    )
    assert (result.env_steps, result.iterations) == (2 * REPORT, 2) and 0.0 <= result.reached_rate <= 1.0
    assert result.experiment_dir == tmp_path / "sac"
    assert result.checkpoint.name == "sac_her_240_steps.zip" and replay_buffer_file(result.checkpoint).is_file()
    assert (result.checkpoint.parent / "sac_her_120_steps.zip").is_file()  # SB3's CheckpointCallback, every report here
    trial = result.checkpoint.parent
    (events,) = trial.glob("events.out.tfevents.*")
    scalars = EventAccumulator(str(events))
    scalars.Reload()
    tags = set(scalars.Tags()["scalars"])
    assert {"ray/tune/env_runners/reached_rate", "ray/tune/env_runners/episode_return_mean", "ray/tune/env_runners/simulations"} <= tags
    assert "train/actor_loss" in tags  # SB3's own series beside them: it learnt
    assert [s.value for s in scalars.Scalars("ray/tune/num_env_steps_sampled_lifetime")] == [REPORT, 2 * REPORT]
    # Every env step simulates once, and so does the reset after each ended episode (one batch call for all)
    sims = [s.value for s in scalars.Scalars("ray/tune/env_runners/simulations")]
    last = json.loads((trial / "result.json").read_text().splitlines()[-1])
    assert last["env_runners"]["num_episodes_lifetime"] >= 8 and sum(sims) == 2 * REPORT + last["env_runners"]["num_episodes_lifetime"]
    experiment = ExperimentDir(result.experiment_dir)
    (progress,) = experiment.trials()  # Tune's result.json layout: the learning curve reads SAC's runs as PPO's
    assert progress.env_steps == (REPORT, 2 * REPORT) and progress.iterations == (1, 2)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resumed = train_sac_her(replace(config, experiment="sac", resume_from=result.checkpoint, max_env_steps=3 * REPORT), SMALL)
    assert not [w for w in caught if "replay buffer" in str(w.message)]  # its truncated episodes need no action of the user
    assert (resumed.env_steps, resumed.iterations) == (3 * REPORT, 3)  # the env-step counter carries on
    assert resumed.checkpoint.name == "sac_her_360_steps.zip" and resumed.checkpoint.parent != trial

    # validate.py takes the experiment (its latest checkpoint: the resumed one), greedy and sampled
    greedy = validate(result.experiment_dir, n_specs=5, traj_len=4, simulator=server)
    assert greedy.checkpoint == resumed.checkpoint and greedy.actions == "greedy" and greedy.n_targets == 5
    assert greedy.env_steps == 3 * REPORT  # the learning curve places the report at the steps the checkpoint trained for
    assert greedy.results_file.parent == tmp_path / "sac/validation" / resumed.checkpoint.parent.name / "sac_her_360_steps_greedy_seed0_n5"
    outcomes = json.loads(greedy.results_file.read_text())["targets"]
    assert [o["target"] for o in outcomes] == list(experiment.validation_targets().targets[:5])
    assert all(1 <= o["steps"] <= 4 and not o["sim_failed"] and o["final_metrics"] for o in outcomes)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        validate_from_command_line(
            [str(resumed.checkpoint), "--n-specs", "5", "--traj-len", "4", "--sample", "--server-url", circuit_server.url]
        )
    assert re.search(r"^sampled policy reached \d/5 ", out.getvalue(), re.M)

    # The SB3 policy: greedy is the mean action, sampling is seeded per target (reproducible, batched or not)
    policy = load_policy(resumed.checkpoint)
    assert isinstance(policy, SacHerPolicy) and policy.model.num_timesteps == 3 * REPORT
    env_config = experiment.record().env_config(experiment.training_targets(), server, horizon=4)
    targets = experiment.validation_targets().targets[:3]
    sampled = roll_out(policy, env_config, targets, sample_seed=5)
    assert sampled == roll_out(policy, env_config, targets, sample_seed=5)
    assert [roll_out(policy, env_config, [t], sample_seed=5)[0]["final_metrics"] for t in targets[:1]] == [sampled[0]["final_metrics"]]
    simulator = Simulator(TWO_STAGE_OPAMP, server)
    obs = policy.make_env(env_config, simulator).observation_space.sample()
    simulator.close()
    greedy_action = policy.act_batch([obs])[0]
    expected, _ = policy.model.predict(obs, deterministic=True)
    np.testing.assert_allclose(greedy_action, expected, atol=1e-6)
    rngs = [np.random.default_rng(1), np.random.default_rng(1)]
    first, second = policy.act_batch([obs, obs], rngs)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, greedy_action)


def test_train_general_s_algo_sac_her_trains_and_validates(circuit_server: BackgroundServer, tmp_path: Path) -> None:
    """The command line with PPAAS's settings as they are (8 environments, learning after 8 x 30 steps)."""
    out = io.StringIO()
    argv = ["--algo", "sac_her", "--max-env-steps", "240", "--targets", "10", "--storage", str(tmp_path)]
    with contextlib.redirect_stdout(out):
        train_from_command_line([*argv, "--validate", "3", "--validate-actions", "both", "--server-url", circuit_server.url])
    assert re.search(
        r"^trained 240 env steps \(1 iteration\) in .*\n^unseen targets reached: \d/3 greedy .*, \d/3 sampled ", out.getvalue(), re.M
    )
    (checkpoint,) = (tmp_path / "autockt_sac_her_two_stage_opamp").glob("sac_her_*/sac_her_240_steps.zip")
    assert f"checkpoint:  {checkpoint}" in out.getvalue()


def test_algo_refuses_unknown_names_naming_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        train_from_command_line(["--algo", "dqn"])
    assert exit_.value.code == 2
    assert "argument --algo: invalid choice: 'dqn' (choose from 'ppo', 'sac_her', 'model_based')" in capsys.readouterr().err
