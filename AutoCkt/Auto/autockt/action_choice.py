"""
# Moves out of a discrete policy's logits, the same way whatever holds the network

A PPO policy answers an observation with one logit per move of each parameter (a `MultiDiscrete`
action). A checkpoint's RLlib module (checkpoints.py) and a shipped policy's plain network
(shipped_policy.py) must turn them into the same moves, greedy or sampled, or a policy's figures
would change with its packaging: both act through `choose_moves`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch


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
