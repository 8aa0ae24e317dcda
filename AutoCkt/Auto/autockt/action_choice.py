"""
# Moves out of a discrete policy's logits, the same way whatever holds the network

A PPO policy answers an observation with one logit per move of each parameter (a `MultiDiscrete`
action). A checkpoint's RLlib module (checkpoints.py) and a shipped policy's plain network
(shipped_policy.py) must turn them into the same moves, greedy or sampled, or a policy's figures
would change with its packaging: both are `DiscretePolicy`s, which act through `choose_moves`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from .env import AutoCktGym, EnvConfig
from .simulator import Simulator


def choose_moves(
    logits_of: Callable[[torch.Tensor], torch.Tensor],
    observations: Sequence[np.ndarray],
    nvec: Sequence[int],
    rngs: Sequence[np.random.Generator] | None = None,
) -> np.ndarray:
    """One action per row of `observations`: each sub-space's most likely move (`rngs` `None`), else row `i`
    samples with `rngs[i]`. `logits_of` maps a `(1, obs)` float32 tensor to its `(1, sum(nvec))` logits.

    Each row gets a forward pass of its own: one batched pass rounds differently (its logits
    differ from single rows' by up to 2e-7, measured), which may flip a sampled move, and a
    target's rollout must not depend on which others share its step. A row costs ~0.13 ms.
    """
    with torch.no_grad():
        logits = torch.cat([logits_of(torch.as_tensor(row[None], dtype=torch.float32)) for row in observations])
    parts = torch.split(logits.double(), list(nvec), dim=1)
    if rngs is None:
        return torch.stack([part.argmax(dim=1) for part in parts], dim=1).numpy().astype(np.int64)
    probabilities = [torch.softmax(part, dim=1).numpy() for part in parts]
    return np.array([[rng.choice(len(p[i]), p=p[i] / p[i].sum()) for p in probabilities] for i, rng in enumerate(rngs)], dtype=np.int64)


class DiscretePolicy:
    """A policy over `AutoCktGym`'s discrete moves, as validation and sizing use it (policy.py), given `logits`
    and the action's sub-space sizes `nvec`.

    `act(obs)` takes the most likely move (greedy); `act(obs, rng)` samples from the policy's
    distribution, as training's exploring env runners do and as AutoCkt's validation did
    (Ray 0.6's `compute_action` always sampled). Sampling lets a rollout leave a design where
    the greedy moves cycle (up one step, down the next) without ever meeting the target.
    `act_batch` does the same for many observations.
    """

    def __init__(self, nvec: Sequence[int]) -> None:
        self.nvec = [int(n) for n in nvec]

    def logits(self, observation: torch.Tensor) -> torch.Tensor:
        """The `(1, sum(nvec))` logits of a `(1, obs)` float32 observation."""
        raise NotImplementedError

    def make_env(self, config: EnvConfig, simulator: Simulator) -> AutoCktGym:
        return AutoCktGym(config, simulator=simulator)

    def act(self, observation: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        return self.act_batch([observation], None if rng is None else [rng])[0]

    def act_batch(self, observations: Sequence[np.ndarray], rngs: Sequence[np.random.Generator] | None = None) -> np.ndarray:
        """`act` for each row of `observations`; row `i` samples with `rngs[i]`."""
        return choose_moves(self.logits, observations, self.nvec, rngs)
