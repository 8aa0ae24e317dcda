"""A tiny PPO run through a real server over HTTP, then validation of its checkpoint without Ray.

Ray env runners are separate processes: every simulation they ask for goes through
discovery_client and HTTP to the server in this test process, which runs ngspice.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import ray
import torch
from autockt import SimulatorConfig, TargetSet, TrainConfig, TrainedPolicy, train, validate
from autockt.checkpoints import RL_MODULE_PATH
from autockt.experiment import ExperimentDir
from discovery_server import BackgroundServer

TINY_BATCH = 120


def test_tiny_training_leaves_checkpoint_events_and_targets_and_validates_without_ray(
    circuit_server: BackgroundServer, tmp_path: Path
) -> None:
    server = SimulatorConfig(server_url=circuit_server.url)
    config = TrainConfig(
        experiment="tiny",
        storage=tmp_path,
        simulator=server,
        n_training_targets=30,
        n_validation_targets=20,
        train_batch_size=TINY_BATCH,
        minibatch_size=60,
        num_epochs=2,
        num_env_runners=1,
        max_env_steps=2 * TINY_BATCH,
        checkpoint_every=1,
    )
    result = train(config)

    assert result.experiment_dir == tmp_path / "tiny"
    assert result.env_steps >= 2 * TINY_BATCH and result.iterations == 2
    assert (result.checkpoint / RL_MODULE_PATH).is_dir()
    assert list(result.experiment_dir.glob("*/events.out.tfevents.*")), "no TensorBoard event file"
    experiment = ExperimentDir(result.experiment_dir)
    training, validation = experiment.training_targets(), experiment.validation_targets()
    assert (len(training), len(validation)) == (30, 20) and training.isdisjoint(validation)
    assert not ray.is_initialized()  # train() shut down the Ray it started

    report = validate(result.experiment_dir, n_specs=6, traj_len=4, simulator=server, workers=2)

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
    # Per trial: a rerun of the experiment numbers its checkpoints afresh and must not overwrite this report.
    trial_reports = result.experiment_dir / "validation" / result.checkpoint.parent.name
    assert report.results_file.parent == trial_reports / f"{result.checkpoint.name}_greedy_seed{experiment.record().seed}_n6"

    # Sampled actions: seeded per target, so the outcome does not depend on how targets are
    # spread over worker threads; kept apart from the greedy report.
    sampled = [
        validate(result.experiment_dir, n_specs=6, traj_len=4, simulator=server, workers=w, sample=True, output_dir=tmp_path / f"s{w}")
        for w in (1, 3)
    ]
    runs = [json.loads(r.results_file.read_text())["targets"] for r in sampled]
    assert runs[0] == runs[1] and sampled[0].actions == "sampled" and report.actions == "greedy"


def test_training_resumes_from_a_checkpoint_s_weights(circuit_server: BackgroundServer, tmp_path: Path) -> None:
    # lr 0: no update moves the weights, so the resumed run must end with exactly the first
    # run's weights, although it was seeded differently (its fresh weights would differ).
    base = TrainConfig(
        storage=tmp_path,
        simulator=SimulatorConfig(server_url=circuit_server.url),
        n_training_targets=10,
        n_validation_targets=5,
        train_batch_size=TINY_BATCH,
        minibatch_size=60,
        num_epochs=1,
        lr=0.0,
        num_env_runners=1,
        max_env_steps=TINY_BATCH,
    )
    first = train(replace(base, experiment="first", seed=1))
    fresh = train(replace(base, experiment="fresh", seed=2))
    resumed = train(
        replace(base, experiment="resumed", seed=2, resume_from=first.checkpoint, max_env_steps=2 * TINY_BATCH)
    )

    def weights(checkpoint: Path) -> list[torch.Tensor]:
        return list(TrainedPolicy.from_checkpoint(checkpoint).module.state_dict().values())

    assert (resumed.env_steps, resumed.iterations) == (2 * TINY_BATCH, 2)  # counters carry on from the checkpoint
    assert all(torch.equal(a, b) for a, b in zip(weights(first.checkpoint), weights(resumed.checkpoint)))
    assert not all(torch.equal(a, b) for a, b in zip(weights(first.checkpoint), weights(fresh.checkpoint)))
