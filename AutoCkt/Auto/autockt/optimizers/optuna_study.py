"""
# Optuna's samplers, asked and told a batch at a time

An Optuna study over the agents' grid: one `IntDistribution` of grid indices per parameter,
or (`unit_cube=True`) one float in [0, 1] per parameter, rounded onto the grid when simulated,
for samplers that handle continuous parameters far more cheaply (Optuna's GP sampler optimizes
its acquisition over integers about three times slower, measured on this grid). Each round
asks `batch_size` trials, simulates them in one batch and tells their losses. The reset point
is enqueued as the first trial: the methods that start somewhere start where the agents do.
Optuna's per-trial log lines are silenced: a benchmark runs thousands of trials.
"""

from __future__ import annotations

import numpy as np
import optuna

from .config import OptimizerConfig
from .search import TargetSearch


def optimize_with_sampler(
    search: TargetSearch, config: OptimizerConfig, sampler: optuna.samplers.BaseSampler, budget: int, unit_cube: bool = False
) -> None:
    """Run `sampler` until the search is done or `budget` simulations (at most the search's own) are spent."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names = [p.name for p in search.optimization.params]
    distributions: dict[str, optuna.distributions.BaseDistribution] = {
        name: optuna.distributions.FloatDistribution(0.0, 1.0) if unit_cube else optuna.distributions.IntDistribution(0, int(top))
        for name, top in zip(names, search.tops, strict=True)
    }
    start = search.initial() / np.maximum(search.tops, 1) if unit_cube else search.initial()
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.enqueue_trial({name: float(x) if unit_cube else int(x) for name, x in zip(names, start, strict=True)})
    while not search.done and search.simulations < budget:
        trials = [study.ask(distributions) for _ in range(min(config.batch_size, budget - search.simulations))]
        points = np.array([[trial.params[name] for name in names] for trial in trials])
        losses = search.evaluate(search.from_unit(points) if unit_cube else points)
        for trial, loss in zip(trials, losses, strict=True):
            study.tell(trial, float(loss))
