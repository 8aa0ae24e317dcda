"""The smallest PPO run that still is a whole training, for the tests that train through a server, and the
session's one tiny run (fixture `trained`, registered by tests/conftest.py) that the tests of a trained agent share.

Training is most of those tests' time, and Ray's start most of a tiny training's: one run serves the test of
what a training leaves behind, the tests of its agent (validation, sizing, deployment, export, resuming) and
the notebook that shows a run's results.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray

import autockt_ckt.handlers  # noqa: F401  (attaches the circuit handlers the run's server serves)
from autockt import SimulatorConfig, TrainConfig, TrainResult, train
from autockt.experiment import ExperimentDir
from discovery_server import BackgroundServer, Config, create_app

TINY_BATCH = 120
"""Env steps per iteration of a tiny run."""


def tiny_training(server_url: str, storage: Path, **fields: Any) -> TrainConfig:
    """One env runner, a few targets, one 120-step batch of one epoch: seconds of PPO after Ray starts; `fields` override any."""
    config = TrainConfig(
        storage=storage,
        simulator=SimulatorConfig(server_url=server_url),
        n_training_targets=10,
        n_validation_targets=5,
        train_batch_size=TINY_BATCH,
        minibatch_size=60,
        num_epochs=1,
        num_env_runners=1,
        max_env_steps=TINY_BATCH,
    )
    return dataclasses.replace(config, **fields)


@dataclasses.dataclass(frozen=True)
class Trained:
    """The session's tiny run, its server (still serving) and what the run printed."""

    server_url: str
    result: TrainResult
    stdout: str
    stderr: str
    ray_shut_down: bool  # train() left no Ray running in this process

    @property
    def checkpoint(self) -> Path:
        return self.result.checkpoint

    @property
    def experiment(self) -> ExperimentDir:
        return ExperimentDir(self.result.experiment_dir)


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    """Two iterations of 120 env steps (a checkpoint each) through a server with a result cache, 30 training and
    20 validation targets, one sub-environment: its 30-step episodes end within each iteration, so every
    iteration has a reach rate. Learning rate 0: so few steps teach nothing anyway, and a run resumed from it
    keeps its weights exactly, which is how the resume test tells they were loaded."""
    with BackgroundServer(create_app(Config(result_cache_size=10_000))) as server:
        config = tiny_training(
            server.url,
            tmp_path_factory.mktemp("runs"),
            experiment="tiny",
            n_training_targets=30,
            n_validation_targets=20,
            num_epochs=2,
            num_envs_per_env_runner=1,
            max_env_steps=2 * TINY_BATCH,
            checkpoint_every=1,
            lr=0.0,
        )
        out, err = io.StringIO(), io.StringIO()  # (not capsys: Ray's log forwarding and capsys's streams do not get along)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = train(config, progress=True)
        yield Trained(server.url, result, out.getvalue(), err.getvalue(), not ray.is_initialized())
