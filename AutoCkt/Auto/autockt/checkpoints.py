"""
# A trained policy out of a checkpoint, with no Ray cluster

A Tune checkpoint of PPO holds the whole algorithm (learner, optimizer, env-runner state);
acting needs only the RLModule inside it, which loads as a plain torch module. Loading it
starts no Ray processes, so validation runs anywhere the package is installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModule

from .experiment import ExperimentDir

RL_MODULE_PATH = Path("learner_group/learner/rl_module/default_policy")


def resolve_checkpoint(path: Path) -> Path:
    """`path` itself if it is a checkpoint, else the latest checkpoint of the experiment (or trial) directory `path`."""
    path = path.expanduser().resolve()
    if (path / RL_MODULE_PATH).is_dir():
        return path
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: pass a checkpoint or an experiment directory under ~/ray_results")
    return ExperimentDir.containing(path).latest_checkpoint()


class TrainedPolicy:
    """A checkpoint's policy acting on one observation at a time, for each sub-space of a MultiDiscrete action.

    `act(obs)` takes the most likely move (greedy); `act(obs, rng)` samples from the policy's
    distribution, as training's exploring env runners do and as AutoCkt's validation did
    (Ray 0.6's `compute_action` always sampled). Sampling lets a rollout leave a design where
    the greedy moves cycle (up one step, down the next) without ever meeting the target.
    """

    def __init__(self, module: RLModule) -> None:
        self.module = module
        self._nvec = [int(n) for n in module.action_space.nvec]  # type: ignore[union-attr]

    @classmethod
    def from_checkpoint(cls, checkpoint: Path) -> TrainedPolicy:
        module_dir = resolve_checkpoint(checkpoint) / RL_MODULE_PATH
        module = RLModule.from_checkpoint(str(module_dir))
        module.eval()
        return cls(module)

    def act(self, observation: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        with torch.no_grad():
            out = self.module.forward_inference({Columns.OBS: torch.as_tensor(observation[None], dtype=torch.float32)})
        parts = torch.split(out[Columns.ACTION_DIST_INPUTS][0].double(), self._nvec)
        if rng is None:
            return np.array([int(logits.argmax()) for logits in parts], dtype=np.int64)
        probabilities = [torch.softmax(logits, 0).numpy() for logits in parts]
        return np.array([rng.choice(len(p), p=p / p.sum()) for p in probabilities], dtype=np.int64)
