"""
# `MetricModel`: an ensemble of small networks that predicts a circuit's metrics from its design

The model-based agent (model_based.py) learns what the simulator answers instead of learning
which move pays: every simulated design is a labelled example, whatever its target, so nothing
it simulates is wasted, where PPO learns from an episode's return alone. A design is its grid
position in [-1, 1] per parameter (`ParamGrid.normalized`) and, for a circuit with skip-on-fail,
a flag saying whose metrics they are (1: the worst case over every corner; -1: the typical
corner's alone), so that the designs skip-on-fail stopped at the typical corner still teach the
model, and planning asks for the worst case.

Each metric is learnt as `sign(x) log(1 + |x| / n)`, `n` its spec's normalizer: gains, bandwidths
and currents span decades, and the relative errors the reward counts become differences. Several
networks trained from different seeds average out each one's error where data is thin (the
ensemble of PETS, Chua et al. 2018). Written here on torch, already a dependency: a few MLPs
are a few lines, where an exact Gaussian process (BoTorch's, Optuna's) is cubic in the number of
designs, and the tens of thousands a run simulates are out of its reach on one core.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from autockt_shared.optimization import MetricSpec


@dataclasses.dataclass(frozen=True)
class MetricModelConfig:
    """The ensemble's shape and fit: `members` networks of `hidden` SiLU layers, each fitted for
    `epochs` passes over the data (between `min_updates` and `max_updates` Adam steps of `batch_size`)."""

    members: int = 4
    hidden: tuple[int, ...] = (128, 128, 128)
    lr: float = 3e-3
    batch_size: int = 256
    epochs: int = 60
    min_updates: int = 1500
    max_updates: int = 6000

    def __post_init__(self) -> None:
        if self.members < 1 or not self.hidden or self.batch_size < 1 or self.min_updates > self.max_updates:
            raise ValueError(
                "MetricModelConfig needs at least one member and one hidden layer, a batch of at least 1 and "
                f"min_updates <= max_updates, got {self}"
            )


def to_learnt(metrics: np.ndarray, normalizers: np.ndarray) -> np.ndarray:
    """Metrics (rows of designs) in the model's space (module docstring)."""
    return np.sign(metrics) * np.log1p(np.abs(metrics) / normalizers)


def from_learnt(learnt: np.ndarray, normalizers: np.ndarray) -> np.ndarray:
    return np.sign(learnt) * np.expm1(np.abs(learnt)) * normalizers


class MetricModel:
    """Predicts the metrics, in the learnt space, of designs given as features (module docstring)."""

    def __init__(self, n_features: int, specs: Sequence[MetricSpec], config: MetricModelConfig = MetricModelConfig()) -> None:
        self.n_features, self.config = n_features, config
        self.normalizers = np.array([s.normalizer for s in specs], dtype=np.float64)
        self.nets: list[torch.nn.Sequential] = []
        self._mean = np.zeros(len(specs))
        self._std = np.ones(len(specs))

    @property
    def fitted(self) -> bool:
        return bool(self.nets)

    def fit(self, features: np.ndarray, metrics: np.ndarray, seed: int = 0) -> None:
        """Fit every member afresh on all the designs so far (refitting beats fine-tuning when the data doubles)."""
        learnt = to_learnt(metrics, self.normalizers)
        self._mean, self._std = learnt.mean(0), learnt.std(0) + 1e-8
        x = torch.tensor(features, dtype=torch.float32)
        y = torch.tensor((learnt - self._mean) / self._std, dtype=torch.float32)
        c = self.config
        updates = int(np.clip(c.epochs * len(x) // c.batch_size, c.min_updates, c.max_updates))
        self.nets = []
        for member in range(c.members):
            generator = torch.Generator().manual_seed(seed * 1000 + member)
            torch.manual_seed(seed * 1000 + member)  # the initial weights
            net = self._network()
            optimizer = torch.optim.Adam(net.parameters(), lr=c.lr)
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, updates)
            for _ in range(updates):
                rows = torch.randint(0, len(x), (min(c.batch_size, len(x)),), generator=generator)
                loss = torch.nn.functional.mse_loss(net(x[rows]), y[rows])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
            net.eval()
            self.nets.append(net)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The ensemble's mean prediction, in the learnt space (`from_learnt` turns it back into metrics)."""
        if not self.nets:
            raise RuntimeError("MetricModel.predict before fit: fit it on simulated designs first")
        with torch.no_grad():
            x = torch.tensor(features, dtype=torch.float32)
            mean = torch.stack([net(x) for net in self.nets]).mean(0).double().numpy()
        return mean * self._std + self._mean

    def state(self) -> dict[str, Any]:
        """Everything `load_state` needs, as tensors and plain values (for `torch.load(weights_only=True)`)."""
        return {
            "nets": [net.state_dict() for net in self.nets],
            "mean": torch.tensor(self._mean),
            "std": torch.tensor(self._std),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self._mean, self._std = state["mean"].numpy(), state["std"].numpy()
        self.nets = []
        for weights in state["nets"]:
            net = self._network()
            net.load_state_dict(weights)
            net.eval()
            self.nets.append(net)

    def _network(self) -> torch.nn.Sequential:
        layers: list[torch.nn.Module] = []
        width = self.n_features
        for hidden in self.config.hidden:
            layers += [torch.nn.Linear(width, hidden), torch.nn.SiLU()]
            width = hidden
        layers.append(torch.nn.Linear(width, len(self.normalizers)))
        return torch.nn.Sequential(*layers)
