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


class GreedyPolicy:
    """The most likely action of each sub-space of a MultiDiscrete action, for one observation at a time."""

    def __init__(self, module: RLModule) -> None:
        self.module = module
        self._nvec = [int(n) for n in module.action_space.nvec]  # type: ignore[union-attr]

    @classmethod
    def from_checkpoint(cls, checkpoint: Path) -> GreedyPolicy:
        module_dir = resolve_checkpoint(checkpoint) / RL_MODULE_PATH
        module = RLModule.from_checkpoint(str(module_dir))
        module.eval()
        return cls(module)

    def act(self, observation: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out = self.module.forward_inference({Columns.OBS: torch.as_tensor(observation[None], dtype=torch.float32)})
        logits = out[Columns.ACTION_DIST_INPUTS][0]
        return np.array([int(part.argmax()) for part in torch.split(logits, self._nvec)], dtype=np.int64)
