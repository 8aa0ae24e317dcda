"""
# `TrialLog`: a run's results written as Tune writes PPO's, for the algorithms Tune does not run

SAC + HER (sac_her.py) and the model-based agent (model_based.py) train outside Tune. Their
results go where Tune puts PPO's, so that validation, the learning curve (experiment.py) and
TensorBoard read every run alike: one JSON line per result in the trial's `result.json`, and
TensorBoard events under `ray/tune/<key>`, nested keys joined by `/`. SB3's logger writes the
events (it is already there for SAC, and SB3's own `train/...` series share its file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stable_baselines3.common.logger import Logger, configure

from .experiment import TRIAL_RESULTS_FILE
from .run_metrics import ENV_STEPS

TENSORBOARD_PREFIX = "ray/tune/"
"""Tune's prefix for every result key in TensorBoard: the same tags for the same quantities as PPO's runs."""


class TrialLog:
    """The results of one trial directory (module docstring)."""

    def __init__(self, trial: Path) -> None:
        self.trial = trial
        self.logger: Logger = configure(str(trial), ["tensorboard"])

    def write(self, result: dict[str, Any]) -> None:
        with (self.trial / TRIAL_RESULTS_FILE).open("a") as f:
            f.write(json.dumps(result) + "\n")
        for key, value in _flatten(result):
            self.logger.record(TENSORBOARD_PREFIX + key, value)
        self.logger.dump(int(result[ENV_STEPS]))

    def close(self) -> None:
        self.logger.close()


def _flatten(result: dict[str, Any], prefix: str = "") -> list[tuple[str, float]]:
    """Tune's nested result keys joined by `/`, as its TensorBoard logger writes them."""
    flat: list[tuple[str, float]] = []
    for key, value in result.items():
        if isinstance(value, dict):
            flat += _flatten(value, f"{prefix}{key}/")
        else:
            flat.append((prefix + key, float(value)))
    return flat
