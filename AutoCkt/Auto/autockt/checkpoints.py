"""
# A trained policy out of a checkpoint, with no Ray cluster

A Tune checkpoint of PPO holds the whole algorithm (learner, optimizer, env-runner state);
acting needs only the RLModule inside it, which loads as a plain torch module. Loading it
starts no Ray processes, so validation runs anywhere the package is installed. A SAC + HER
checkpoint is SB3's model zip (sac_her.py); `load_policy` tells the two apart, so validation
takes either.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModule

from .env import AutoCktGym, EnvConfig
from .experiment import ExperimentDir
from .noise import quiet_ray
from .policy import Policy
from .sac_her import CHECKPOINT_PREFIX, SacHerPolicy
from .simulator import Simulator

RL_MODULE_PATH = Path("learner_group/learner/rl_module/default_policy")


def resolve_checkpoint(path: Path) -> Path:
    """`path` itself if it is a checkpoint, else the latest checkpoint of the experiment (or trial) directory `path`."""
    path = path.expanduser().resolve()
    if (path / RL_MODULE_PATH).is_dir() or _is_sac_her(path):
        return path
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: pass a checkpoint or an experiment directory under ~/ray_results")
    experiment = ExperimentDir.containing(path)
    sac_her = list(experiment.path.glob(f"*/{CHECKPOINT_PREFIX}_*_steps.zip"))
    if not sac_her:
        return experiment.latest_checkpoint()
    return max(sac_her, key=lambda p: p.stat().st_mtime)


def load_policy(checkpoint: Path) -> Policy:
    """The policy of a PPO or a SAC + HER checkpoint (or an experiment directory's latest)."""
    checkpoint = resolve_checkpoint(checkpoint)
    return SacHerPolicy.from_checkpoint(checkpoint) if _is_sac_her(checkpoint) else TrainedPolicy.from_checkpoint(checkpoint)


def _is_sac_her(path: Path) -> bool:
    return path.is_file() and path.name.startswith(CHECKPOINT_PREFIX) and path.suffix == ".zip"


class TrainedPolicy:
    """A checkpoint's policy choosing a move for each sub-space of a MultiDiscrete action.

    `act(obs)` takes the most likely move (greedy); `act(obs, rng)` samples from the policy's
    distribution, as training's exploring env runners do and as AutoCkt's validation did
    (Ray 0.6's `compute_action` always sampled). Sampling lets a rollout leave a design where
    the greedy moves cycle (up one step, down the next) without ever meeting the target.
    `act_batch` does the same for many observations.
    """

    def __init__(self, module: RLModule) -> None:
        self.module = module
        self._nvec = [int(n) for n in module.action_space.nvec]  # type: ignore[union-attr]

    @classmethod
    def from_checkpoint(cls, checkpoint: Path) -> TrainedPolicy:
        module_dir = resolve_checkpoint(checkpoint) / RL_MODULE_PATH
        with quiet_ray():  # RLlib warns that its own loading code calls a deprecated constructor
            module = RLModule.from_checkpoint(str(module_dir))
        module.eval()  # type: ignore[attr-defined]  # a TorchRLModule, so a torch.nn.Module
        return cls(module)

    def make_env(self, config: EnvConfig, simulator: Simulator) -> AutoCktGym:
        return AutoCktGym(config, simulator=simulator)

    def act(self, observation: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        return self.act_batch([observation], None if rng is None else [rng])[0]

    def act_batch(self, observations: Sequence[np.ndarray], rngs: Sequence[np.random.Generator] | None = None) -> np.ndarray:
        """`act` for each row of `observations`; row `i` samples with `rngs[i]`.

        Each row gets a forward pass of its own: one batched pass rounds differently (its logits
        differ from single rows' by up to 2e-7, measured), which may flip a sampled move, and a
        target's rollout must not depend on which others share its step. A row costs ~0.13 ms.
        """
        with torch.no_grad():
            logits = torch.cat(
                [
                    self.module.forward_inference({Columns.OBS: torch.as_tensor(row[None], dtype=torch.float32)})[
                        Columns.ACTION_DIST_INPUTS
                    ]
                    for row in observations
                ]
            )
        parts = torch.split(logits.double(), self._nvec, dim=1)
        if rngs is None:
            return torch.stack([part.argmax(dim=1) for part in parts], dim=1).numpy().astype(np.int64)
        probabilities = [torch.softmax(part, dim=1).numpy() for part in parts]
        return np.array([[rng.choice(len(p[i]), p=p[i] / p[i].sum()) for p in probabilities] for i, rng in enumerate(rngs)], dtype=np.int64)
