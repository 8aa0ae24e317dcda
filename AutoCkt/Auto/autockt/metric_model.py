"""
# `MetricModel`: an ensemble of small networks that predicts a circuit's metrics from its design

The model-based agent (model_based.py) learns what the simulator answers instead of learning
which move pays: every simulated design is a labelled example, whatever its target, so nothing
it simulates is wasted, where PPO learns from an episode's return alone. A design is its grid
position in [-1, 1] per parameter (`ParamGrid.normalized`).

At PVT corners the model predicts every metric at every corner of the set at once (one output
per corner and metric), and planning takes their worst case. Each design teaches the corners it
was simulated at (the loss is masked to them): a design skip-on-fail stopped at the typical
corner teaches that corner alone, one that passed it teaches all of them. An earlier model
learnt the worst case itself, with a flag input for the designs seen at the typical corner alone:
on PPAAS's TSA at 17 corners only 586 of a 24,000-step run's 24,832 designs were ever seen at
every corner, so it learnt the worst case from a few hundred examples; per corner, the typical
corner learns from all of them, and the other corners share its hidden layers. The network
outputs the typical corner and each other corner's difference from it, and a small penalty on
those differences (`corner_prior`) makes a corner the typical one where no data says otherwise.
Without it, the corners few designs reached were the network's guesses, their worst case was
noise, and a 24,000-step TSA run's planner, steering by it, met no target in its first 7,900 env
steps (the flag model met 2-7 %).

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
    `epochs` passes over the data (between `min_updates` and `max_updates` Adam steps of `batch_size`);
    at PVT corners, `corner_prior` weighs the squared difference of each corner from the typical one
    (module docstring)."""

    members: int = 4
    hidden: tuple[int, ...] = (128, 128, 128)
    lr: float = 3e-3
    batch_size: int = 256
    epochs: int = 60
    min_updates: int = 1500
    max_updates: int = 6000
    corner_prior: float = 0.01

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
    """Predicts the metrics at each of `n_corners` corners (1 for a nominal circuit), in the learnt space, of
    designs given as features (module docstring)."""

    def __init__(
        self, n_features: int, specs: Sequence[MetricSpec], config: MetricModelConfig = MetricModelConfig(), n_corners: int = 1
    ) -> None:
        self.n_features, self.config, self.n_corners = n_features, config, n_corners
        self.normalizers = np.array([s.normalizer for s in specs], dtype=np.float64)
        self.nets: list[torch.nn.Sequential] = []
        self._mean: np.ndarray = np.zeros(len(specs))
        self._std: np.ndarray = np.ones(len(specs))

    @property
    def fitted(self) -> bool:
        return bool(self.nets)

    def fit(self, features: np.ndarray, metrics: np.ndarray, seed: int = 0) -> None:
        """Fit every member afresh on all the designs so far (refitting beats fine-tuning when the data doubles).

        `metrics`: one (corners, metrics) array per design, NaN at the corners it was not simulated at."""
        learnt = to_learnt(metrics.reshape(len(metrics), self.n_corners, len(self.normalizers)), self.normalizers)
        seen = ~np.isnan(learnt)
        self._mean, self._std = np.nanmean(learnt, axis=(0, 1)), np.nanstd(learnt, axis=(0, 1)) + 1e-8
        x = torch.tensor(features, dtype=torch.float32)
        y = torch.tensor(np.nan_to_num((learnt - self._mean) / self._std), dtype=torch.float32)
        mask = torch.tensor(seen, dtype=torch.float32)
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
                weight, out = mask[rows], net(x[rows]).reshape(len(rows), self.n_corners, -1)
                loss = (((_per_corner(out) - y[rows]) ** 2) * weight).sum() / weight.sum().clamp(min=1.0)
                if self.n_corners > 1:  # the prior: a corner is the typical one until its data says otherwise
                    loss = loss + c.corner_prior * (out[:, 1:] ** 2).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
            net.eval()
            self.nets.append(net)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The ensemble's mean prediction, (designs, corners, metrics) in the learnt space (`from_learnt` turns it back
        into metrics)."""
        if not self.nets:
            raise RuntimeError("MetricModel.predict before fit: fit it on simulated designs first")
        with torch.no_grad():
            x = torch.tensor(features, dtype=torch.float32)
            outs = [_per_corner(net(x).reshape(len(x), self.n_corners, -1)) for net in self.nets]
            mean = torch.stack(outs).mean(0).double().numpy()
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
        """Outputs the typical corner's metrics, then each other corner's difference from them (`_per_corner`)."""
        layers: list[torch.nn.Module] = []
        width = self.n_features
        for hidden in self.config.hidden:
            layers += [torch.nn.Linear(width, hidden), torch.nn.SiLU()]
            width = hidden
        layers.append(torch.nn.Linear(width, self.n_corners * len(self.normalizers)))
        return torch.nn.Sequential(*layers)


def _per_corner(out: torch.Tensor) -> torch.Tensor:
    """A network's (designs, corners, metrics) output as metrics at each corner: the first corner's (the typical one)
    as output, every other corner's as the typical one's plus its own output, the difference the prior shrinks."""
    return torch.cat([out[:, :1], out[:, :1] + out[:, 1:]], dim=1)
