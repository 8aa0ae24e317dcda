"""
# A trained policy out of a checkpoint, with no Ray cluster

A Tune checkpoint of PPO holds the whole algorithm (learner, optimizer, env-runner state);
acting needs only the RLModule inside it, which loads as a plain torch module. Loading it
starts no Ray processes, so validation runs anywhere the package is installed. A SAC + HER
checkpoint is SB3's model zip (sac_her.py), a model-based agent's a torch file (model_based.py);
`load_policy` tells the three apart, so validation takes any.

`open_agent` takes any of them or a shipped policy (shipped_policy.py) to an `Agent`: the policy
with the environment it was trained in, which is what validation and sizing need of it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModule

from . import model_based
from .action_choice import DiscretePolicy
from .env import EnvConfig
from .experiment import ExperimentDir, RunRecord, checkpoint_env_steps
from .model_based import ModelBasedPolicy, ShippedModelBasedPolicy
from .noise import quiet_ray
from .policy import Policy
from .sac_her import CHECKPOINT_PREFIX, SacHerPolicy
from .shipped_policy import PolicyCard, ShippedPolicy, card_path, is_shipped_policy
from .simulator import SimulatorConfig
from .specs import TargetSet

RL_MODULE_PATH = Path("learner_group/learner/rl_module/default_policy")


def resolve_checkpoint(path: Path) -> Path:
    """`path` itself if it is a checkpoint, else the latest checkpoint of the experiment (or trial) directory `path`."""
    path = path.expanduser().resolve()
    if (path / RL_MODULE_PATH).is_dir() or _is_sac_her(path) or model_based.is_checkpoint(path):
        return path
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: pass a checkpoint or an experiment directory under ~/ray_results")
    experiment = ExperimentDir.containing(path)
    files = [
        *experiment.path.glob(f"*/{CHECKPOINT_PREFIX}_*_steps.zip"),
        *experiment.path.glob(f"*/{model_based.CHECKPOINT_PREFIX}_*_steps{model_based.CHECKPOINT_SUFFIX}"),
    ]
    if not files:
        return experiment.latest_checkpoint()
    return max(files, key=lambda p: p.stat().st_mtime)


def load_policy(checkpoint: Path) -> Policy:
    """The policy of a PPO, SAC + HER or model-based checkpoint (or an experiment directory's latest)."""
    checkpoint = resolve_checkpoint(checkpoint)
    if _is_sac_her(checkpoint):
        return SacHerPolicy.from_checkpoint(checkpoint)
    if model_based.is_checkpoint(checkpoint):
        return ModelBasedPolicy.from_checkpoint(checkpoint)
    return TrainedPolicy.from_checkpoint(checkpoint)


@dataclasses.dataclass(frozen=True)
class Agent:
    """A trained policy and the environment it was trained in: a checkpoint of a run (`experiment` its run's
    directory) or a shipped policy (`card` its card). `env_steps` is what it trained for (`None`: not known)."""

    path: Path
    record: RunRecord
    training: TargetSet
    env_steps: int | None
    experiment: ExperimentDir | None = None
    card: PolicyCard | None = None

    def policy(self) -> Policy:
        if self.card is None:
            return load_policy(self.path)
        return ShippedModelBasedPolicy.load(self.path) if self.card.algorithm == model_based.ALGORITHM else ShippedPolicy.load(self.path)

    def env_config(self, simulator: SimulatorConfig, horizon: int | None = None, corner_set: str | None = None) -> EnvConfig:
        return self.record.env_config(self.training, simulator, horizon=horizon, corner_set=corner_set)


def open_agent(path: Path) -> Agent:
    """The agent at `path`: a shipped policy's weights or card, a checkpoint, or an experiment directory (its latest
    checkpoint). A shipped policy trained on another version of its circuit raises `shipped_policy.StalePolicy`."""
    path = Path(path).expanduser().resolve()
    if is_shipped_policy(path):
        card = PolicyCard.read(card_path(path))
        card.check_fresh(path)
        return Agent(path, card.run_record(), card.training_targets(), card.training.get("env_steps"), card=card)
    checkpoint = resolve_checkpoint(path)
    experiment = ExperimentDir.containing(checkpoint)
    return Agent(checkpoint, experiment.record(), experiment.training_targets(), checkpoint_env_steps(checkpoint), experiment=experiment)


def _is_sac_her(path: Path) -> bool:
    return path.is_file() and path.name.startswith(CHECKPOINT_PREFIX) and path.suffix == ".zip"


class TrainedPolicy(DiscretePolicy):
    """A checkpoint's policy choosing a move for each sub-space of a MultiDiscrete action (action_choice.py)."""

    def __init__(self, module: RLModule) -> None:
        super().__init__(module.action_space.nvec)  # type: ignore[union-attr]
        self.module = module

    @classmethod
    def from_checkpoint(cls, checkpoint: Path) -> TrainedPolicy:
        module_dir = resolve_checkpoint(checkpoint) / RL_MODULE_PATH
        with quiet_ray():  # RLlib warns that its own loading code calls a deprecated constructor
            module = RLModule.from_checkpoint(str(module_dir))
        module.eval()  # type: ignore[attr-defined]  # a TorchRLModule, so a torch.nn.Module
        return cls(module)

    def logits(self, observation: torch.Tensor) -> torch.Tensor:
        return self.module.forward_inference({Columns.OBS: observation})[Columns.ACTION_DIST_INPUTS]
