"""
# Bayesian optimization with a Gaussian process (Optuna's `GPSampler`)

A GP with expected improvement: the most sample-efficient of the methods on a few dozen
simulations, and by far the dearest in CPU, its model refitted and its acquisition optimized
on every trial (about 0.5 s a trial after 40 on this machine, growing with the trials). It
searches the unit cube rounded onto the grid (see optuna_study.py) and stops at
`OptimizerConfig.gp_budget` simulations. The simulator is deterministic, which the sampler
is told, so it fits no noise.
"""

from __future__ import annotations

import warnings

import optuna

from .config import OptimizerConfig
from .optuna_study import optimize_with_sampler
from .search import TargetSearch


def gaussian_process(search: TargetSearch, config: OptimizerConfig) -> None:
    with warnings.catch_warnings():  # `deterministic_objective` is flagged experimental; it is what this simulator is
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.GPSampler(seed=config.seed, n_startup_trials=config.startup_trials, deterministic_objective=True)
    optimize_with_sampler(search, config, sampler, min(search.budget, config.gp_budget), unit_cube=True)
