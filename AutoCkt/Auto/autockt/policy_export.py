"""
# A checkpoint's policy as a shipped policy

The one place that reads RLlib's module to write a shipped policy (shipped_policy.py): its actor
encoder's and policy head's layers, in the order `forward_inference` runs them, and the card from
the run's own record (experiment.py) and results. Anything else in the module (the value network,
optimizer state) stays behind. A module whose layers are not plain linear ones with a known
activation between them is refused rather than exported wrong.

A model-based agent's checkpoint (model_based.py) ships its fitted model and the designs it
knows, not the simulated designs it trained on (`ShippedModelBasedPolicy`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autockt_shared import circuit_optimization

from . import model_based
from .checkpoints import TrainedPolicy, resolve_checkpoint
from .corners import checked_corner_set
from .deployment import training_simulations
from .experiment import ExperimentDir, checkpoint_env_steps
from .fingerprint import observation_block_sizes, schema_fingerprint
from .model_based import ShippedModelBasedPolicy, TrainedModel
from .shipped_policy import ACTIVATIONS, PolicyCard, ShippedPolicy
from .specs import TargetSet

PARAMS_FILE = "params.json"
"""Tune's record of the trial's algorithm config, beside its checkpoints."""
PPO_SETTINGS = (
    "lr",
    "gamma",
    "lambda",
    "clip_param",
    "entropy_coeff",
    "vf_clip_param",
    "use_kl_loss",
    "num_epochs",
    "minibatch_size",
    "_train_batch_size_per_learner",
    "num_env_runners",
    "num_envs_per_env_runner",
    "seed",
)
"""The trial's settings a card records (`params.json` keys)."""


class NotExportable(ValueError):
    """A checkpoint that cannot become a shipped policy (SAC + HER's, or a PPO network of another shape)."""


def export_checkpoint(checkpoint: Path) -> ShippedPolicy | ShippedModelBasedPolicy:
    """The shipped policy of a PPO or model-based checkpoint (or an experiment directory's latest), its card without
    validation figures."""
    checkpoint = resolve_checkpoint(checkpoint)
    if not checkpoint.is_dir() and not model_based.is_checkpoint(checkpoint):
        raise NotExportable(
            f"{checkpoint} is neither a PPO nor a model-based checkpoint: SAC + HER does not ship (it acts on goal observations)"
        )
    experiment = ExperimentDir.containing(checkpoint)
    record, training = experiment.record(), experiment.training_targets()
    optimization = circuit_optimization(record.circuit)
    if TargetSet.training(optimization, len(training), record.seed) != training:
        raise NotExportable(
            f"{experiment.path}'s training targets are not the ones its circuit generates now: {record.circuit}'s spec ranges "
            "changed since it trained, so retrain it"
        )
    card = PolicyCard(
        circuit=record.circuit,
        corner_set=checked_corner_set(optimization, record.corner_set),
        algorithm="ppo",
        schema_fingerprint=schema_fingerprint(optimization, record.corner_set),
        observation_space={},
        action_space={"nvec": [len(record.moves)] * len(optimization.params), "moves": list(record.moves)},
        network={},
        environment={
            "moves": list(record.moves),
            "horizon": record.horizon,
            "failure_penalty": record.failure_penalty,
            "seed": record.seed,
            "training_targets": len(training),
        },
        training={
            "env_steps": checkpoint_env_steps(checkpoint),
            "simulations": training_simulations(checkpoint),
            "checkpoint": str(checkpoint.relative_to(experiment.path.parent)),
        },
    )
    if model_based.is_checkpoint(checkpoint):
        trained = TrainedModel.from_checkpoint(model_based.load_checkpoint(checkpoint))
        network = {"model_config": dataclasses.asdict(trained.model_config), "candidates": trained.candidates, "margin": trained.margin}
        card = dataclasses.replace(
            card,
            algorithm=model_based.ALGORITHM,
            observation_space={"kind": "plan_state"},  # the planner acts on the design, its metrics and the target (move_planner.py)
            network={**network, "known_designs": len(trained.known.indices)},
        )
        return ShippedModelBasedPolicy(card, trained)
    module = TrainedPolicy.from_checkpoint(checkpoint).module
    activation = str(module.model_config["fcnet_activation"])  # type: ignore[index]
    layers = _linear_layers(module, activation)
    blocks = observation_block_sizes(optimization)
    card = dataclasses.replace(
        card,
        observation_space={"shape": [sum(blocks.values())], "low": -1.0, "high": 1.0, "blocks": blocks},
        action_space={"nvec": [int(n) for n in module.action_space.nvec], "moves": list(record.moves)},  # type: ignore[union-attr]
        network={"hidden_activation": activation, "layers": [list(w.shape[::-1]) for w, _ in layers]},
        training={**card.training, "settings": _trial_settings(checkpoint.parent)},
    )
    return ShippedPolicy(card, layers)


def _linear_layers(module: Any, activation: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (weight, bias) of every linear layer `forward_inference` runs, checking that `activation` alone sits between them."""
    if activation not in ACTIVATIONS:
        raise NotExportable(f"the policy's activation {activation!r} is none a shipped policy knows ({', '.join(ACTIVATIONS)})")
    encoder = getattr(module.encoder, "actor_encoder", module.encoder)  # the actor's own encoder when the value network is separate
    stack = [*encoder.net.mlp, *module.pi.net.mlp]
    expected = [torch.nn.Linear if i % 2 == 0 else ACTIVATIONS[activation] for i in range(len(stack))]
    if len(stack) % 2 == 0 or any(type(layer) is not kind for layer, kind in zip(stack, expected, strict=True)):
        found = ", ".join(type(layer).__name__ for layer in stack)
        raise NotExportable(f"the policy network is {found}; a shipped policy is linear layers with {activation} between them")
    return [(layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()) for layer in stack[::2]]


def _trial_settings(trial_dir: Path) -> dict[str, Any]:
    params_file = trial_dir / PARAMS_FILE
    if not params_file.is_file():
        return {}
    params = json.loads(params_file.read_text())
    return {key.lstrip("_"): params[key] for key in PPO_SETTINGS if key in params}
