"""
# Tree-structured Parzen estimator (Optuna's `TPESampler`)

Multivariate TPE (one density over all parameters, not one per parameter: the sizes of a
circuit's devices only work together), with Optuna's constant liar so that the trials asked
together in one batch spread out instead of piling onto the same promising spot.
"""

from __future__ import annotations

import optuna

from .config import OptimizerConfig
from .optuna_study import optimize_with_sampler
from .search import TargetSearch


def tpe(search: TargetSearch, config: OptimizerConfig) -> None:
    sampler = optuna.samplers.TPESampler(seed=config.seed, n_startup_trials=config.startup_trials, multivariate=True, constant_liar=True)
    optimize_with_sampler(search, config, sampler, search.budget)
