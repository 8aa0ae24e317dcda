"""The smallest PPO run that still is a whole training, for the tests that train through a server."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from autockt import SimulatorConfig, TrainConfig


def tiny_training(server_url: str, storage: Path, **fields: Any) -> TrainConfig:
    """One env runner, a few targets, one 120-step batch of one epoch: seconds of PPO after Ray starts; `fields` override any."""
    config = TrainConfig(
        storage=storage,
        simulator=SimulatorConfig(server_url=server_url),
        n_training_targets=10,
        n_validation_targets=5,
        train_batch_size=120,
        minibatch_size=60,
        num_epochs=1,
        num_env_runners=1,
        max_env_steps=120,
    )
    return dataclasses.replace(config, **fields)
