"""
# What validation needs of a trained policy, whatever trained it

PPO's policy (an RLlib module, checkpoints.py) acts on `AutoCktGym`'s flat observations with
discrete moves; SAC + HER's (an SB3 model, sac_her.py) on `AutoCktGoalEnv`'s goal dictionaries
with continuous actions. Validation rolls either out through the same code (validate.py) by
asking the policy for its kind of environment, both kinds being driven through the same two
halves of a step, so that all targets' designs simulate in one batch call per step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from .env import Design, EnvConfig
from .simulator import Outcome, Simulator


class SteppedEnv(Protocol):
    """An environment whose resets and steps split around their simulation (`AutoCktGym`, `AutoCktGoalEnv`)."""

    def begin_reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Design: ...

    def end_reset(self, outcome: Outcome) -> tuple[Any, dict[str, Any]]: ...

    def begin_step(self, action: np.ndarray) -> Design | None: ...

    def end_step(self, outcome: Outcome | None) -> tuple[Any, float, bool, bool, dict[str, Any]]: ...

    @property
    def simulation_target(self) -> dict[str, float] | None:
        """What the current design's simulation is sent: the episode's target with skip-on-fail, else nothing."""
        ...


class Policy(Protocol):
    """A trained policy as validation uses it."""

    def make_env(self, config: EnvConfig, simulator: Simulator) -> SteppedEnv:
        """The environment the policy was trained in, simulating through the shared `simulator`."""
        ...

    def act_batch(self, observations: Sequence[Any], rngs: Sequence[np.random.Generator] | None = None) -> np.ndarray:
        """An action per observation: the most likely (`rngs` `None`), else row `i` sampled with `rngs[i]`,
        so that a target's sampled rollout depends on its own generator only."""
        ...
