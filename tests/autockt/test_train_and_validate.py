"""The session's tiny PPO run (tests/tiny_training.py's `trained`) through a real server over HTTP: what it
leaves, then validation of its checkpoint without Ray; and a run resumed from its checkpoint.

Ray env runners are separate processes: every simulation they ask for goes through
discovery_client and HTTP to the server in this test process, which runs ngspice.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import ray
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from autockt import AutoCktGym, EnvConfig, SimulatorConfig, TrainedPolicy, train, validate
from autockt.checkpoints import RL_MODULE_PATH
from autockt.experiment import ExperimentDir
from autockt.noise import is_noise
from autockt.run_metrics import ENV_STEPS, EPISODE_WINDOW, REACHED_METRIC
from autockt.specs import Target
from autockt.train import TrainConfig, should_stop
from autockt.validate import roll_out, walked_away
from discovery_server import BackgroundServer

from ..tiny_training import TINY_BATCH, Trained, tiny_training


def test_tiny_training_leaves_checkpoint_events_and_targets_and_validates_without_ray(trained: Trained) -> None:
    result, server = trained.result, SimulatorConfig(server_url=trained.server_url)

    # Off a terminal: a line for the first and the last iteration, and none of Ray's known chatter.
    assert re.search(r"^iteration 1: .*\n^iteration 2: [\d,]+/240 env steps \(100%\) \| reach [\d.]+ \| return ", trained.stdout, re.M)
    assert not [line for line in (trained.stdout + trained.stderr).splitlines() if is_noise(line)]
    assert result.experiment_dir.name == "tiny"
    assert result.env_steps >= 2 * TINY_BATCH and result.iterations == 2
    assert (result.checkpoint / RL_MODULE_PATH).is_dir()
    (events,) = result.experiment_dir.glob("*/events.out.tfevents.*")
    scalars = EventAccumulator(str(events))
    scalars.Reload()
    tags = set(scalars.Tags()["scalars"])
    assert {"ray/tune/env_runners/reached_rate", "ray/tune/env_runners/simulations", "ray/tune/sims_per_env_step"} <= tags
    # Every env step simulates once; resets simulate too (30-step episodes, and one to start).
    assert all(1.0 <= s.value <= 1.2 for s in scalars.Scalars("ray/tune/sims_per_env_step"))
    # The share of the server's lookups its cache answered: every episode starts at the same design.
    hit_rates = scalars.Scalars("ray/tune/server_cache_hit_rate")
    assert [s.step for s in hit_rates] == [1, 2] and 0.0 < hit_rates[0].value <= 1.0
    experiment = ExperimentDir(result.experiment_dir)
    training, validation = experiment.training_targets(), experiment.validation_targets()
    assert (len(training), len(validation)) == (30, 20) and training.isdisjoint(validation)
    assert trained.ray_shut_down  # train() shut down the Ray it started

    report = validate(result.experiment_dir, n_specs=6, traj_len=4, simulator=server)

    assert not ray.is_initialized(), "validation must not need a Ray cluster"
    assert report.checkpoint == result.checkpoint
    assert report.n_targets == 6 and 0 <= report.n_reached <= 6
    saved = json.loads(report.results_file.read_text())
    outcomes = saved["targets"]
    assert [o["target"] for o in outcomes] == list(validation.targets[:6])  # the run's own unseen targets
    assert all(1 <= o["steps"] <= 4 and not o["sim_failed"] for o in outcomes)
    assert report.simulations == sum(o["simulations"] for o in outcomes) == sum(o["steps"] + 1 for o in outcomes)
    assert saved["summary"]["n_reached"] == sum(o["reached"] for o in outcomes)
    assert report.plot_file.read_bytes().startswith(b"\x89PNG")
    # The learning curve beside it, with this report's point at the env steps its checkpoint was trained for.
    assert report.learning_curve_file == report.plot_file.with_name("learning_curve.png")
    assert report.learning_curve_file.read_bytes().startswith(b"\x89PNG")
    assert report.env_steps == saved["summary"]["env_steps"] == result.env_steps
    (trial,) = experiment.trials()
    assert trial.env_steps[-1] == result.env_steps and trial.iterations == (1, 2)
    # Per trial: a rerun of the experiment numbers its checkpoints afresh and must not overwrite this report.
    trial_reports = result.experiment_dir / "validation" / result.checkpoint.parent.name
    assert report.results_file.parent == trial_reports / f"{result.checkpoint.name}_greedy_seed{experiment.record().seed}_n6"

    # Sampled actions: seeded per target, kept apart from the greedy report.
    sampled = validate(result.experiment_dir, n_specs=6, traj_len=4, simulator=server, sample=True)
    assert sampled.actions == "sampled" and report.actions == "greedy" and sampled.results_file != report.results_file

    # All targets rolled out together (one batch call per step) give each target exactly the
    # outcome of its own episode rolled out alone, greedy and sampled.
    policy = TrainedPolicy.from_checkpoint(result.checkpoint)
    env_config = experiment.record().env_config(training, server, horizon=6)
    for sample_seed in (None, 3):
        together = roll_out(policy, env_config, validation.targets[:6], sample_seed)
        alone = [_roll_out_alone(policy, env_config, target, i, sample_seed) for i, target in enumerate(validation.targets[:6])]
        assert together == alone


def _roll_out_alone(policy: TrainedPolicy, config: EnvConfig, target: Target, index: int, sample_seed: int | None) -> dict[str, Any]:
    """Validation's rollout as it was before batching: one `AutoCktGym`, one simulation per call."""
    env = AutoCktGym(config)
    rng = None if sample_seed is None else np.random.default_rng([sample_seed, index])
    obs, info = env.reset(options={"target": target})
    steps, done, indices = 0, False, env.grid.initial()
    scores: list[float] = []
    closest: tuple[float | None, Any, Any] = (None, None, None)
    while not done:
        action = policy.act(obs, rng)
        obs, _, terminated, truncated, info = env.step(action)
        steps, done, indices = steps + 1, terminated or truncated, env.grid.apply(indices, action)  # the design it moved to
        scores.append(info["score"])
        if "metrics" in info and (closest[0] is None or info["score"] > closest[0]):
            closest = (info["score"], env.grid.values(indices), info["metrics"])
    env.close()
    return {
        "index": index,
        "target": target,
        "reached": bool(info["reached"]),
        "steps": steps,
        "final_design": env.grid.values(indices),
        "final_metrics": info.get("metrics"),
        "sim_failed": bool(info["sim_failed"]),
        "simulations": env.simulator.calls,
        "scores": scores,
        "closest_score": closest[0],
        "closest_design": closest[1],
        "closest_metrics": closest[2],
    }


def test_training_resumes_from_a_checkpoint_s_weights(circuit_server: BackgroundServer, trained: Trained, tmp_path: Path) -> None:
    # The session's tiny run trained at lr 0, which resuming carries on: the resumed run, seeded
    # otherwise (its own fresh weights would differ), must end with exactly the weights it resumed from.
    config = tiny_training(circuit_server.url, tmp_path, lr=0.0, experiment="resumed", seed=2)
    resumed = train(replace(config, resume_from=trained.checkpoint, max_env_steps=3 * TINY_BATCH))

    def weights(checkpoint: Path) -> list[torch.Tensor]:
        return list(TrainedPolicy.from_checkpoint(checkpoint).module.state_dict().values())

    assert (resumed.env_steps, resumed.iterations) == (3 * TINY_BATCH, 3)  # counters carry on from the checkpoint
    assert all(torch.equal(a, b) for a, b in zip(weights(trained.checkpoint), weights(resumed.checkpoint), strict=True))


def test_a_run_stops_at_its_budget_of_steps_or_of_hours_or_at_its_reach_rate() -> None:
    config = TrainConfig(max_env_steps=1000, max_hours=0.5, stop_reached_rate=0.9)
    running = {ENV_STEPS: 10, "time_total_s": 60.0, "env_runners": {"num_episodes_lifetime": EPISODE_WINDOW, REACHED_METRIC: 0.5}}
    assert not should_stop(config, "trial", running)
    assert should_stop(config, "trial", {**running, ENV_STEPS: 1000})
    assert should_stop(config, "trial", {**running, "time_total_s": 1800.0})
    assert not should_stop(replace(config, max_hours=None), "trial", {**running, "time_total_s": 1e6})
    assert should_stop(config, "trial", {**running, "env_runners": {"num_episodes_lifetime": EPISODE_WINDOW, REACHED_METRIC: 0.9}})
    with pytest.raises(ValueError, match="max_hours must be > 0"):
        TrainConfig(max_hours=0)


def test_a_missed_rollout_walked_away_when_it_ended_below_the_best_score_it_had_simulated() -> None:
    def outcome(scores: list[float], reached: bool = False) -> dict[str, Any]:
        return {"reached": reached, "scores": scores, "closest_score": max(scores, default=None)}

    assert walked_away(outcome([-0.9, -0.1, -0.4]))
    assert not walked_away(outcome([-0.9, -0.4, -0.1]))  # still closing in when the horizon came
    assert not walked_away(outcome([-0.9, -0.1, -0.4], reached=True))
    assert not walked_away({"reached": False, "scores": [-3.0], "closest_score": None})  # every simulation failed
