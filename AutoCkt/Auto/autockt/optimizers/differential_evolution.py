"""
# Differential evolution (`scipy.optimize.differential_evolution`), vectorized

SciPy's DE on the grid indices themselves (`integrality`), with the whole population
evaluated in one call (`vectorized=True`, `updating="deferred"`), so that each generation is
one batch of simulations. The population holds `batch_size` designs (rounded up to a multiple
of the parameter count, as SciPy sizes it), the reset point among the first. No polishing:
L-BFGS-B on a grid of integers would only spend simulations. A population that converges
without meeting the target starts afresh (seeded anew), so that the whole budget is spent searching.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import differential_evolution as scipy_differential_evolution  # type: ignore[import-untyped]  # no stubs

from .config import OptimizerConfig
from .search import TargetSearch

NEVER_CONVERGED = 100_000
"""Generations SciPy may run: the search ends it, at the budget or the target, long before."""


class _SearchEnded(Exception):
    """Raised out of SciPy's loop once the search is done: its callback runs only after a whole generation,
    and the initial population may already end the search."""


def differential_evolution(search: TargetSearch, config: OptimizerConfig) -> None:
    def losses(population: np.ndarray) -> np.ndarray:  # SciPy passes one design per column
        result = search.evaluate(np.rint(population.T).astype(np.int64))
        if search.done:
            raise _SearchEnded
        return result

    restart = 0
    while not search.done:
        try:
            scipy_differential_evolution(
                losses,
                bounds=[(0, int(top)) for top in search.tops],
                integrality=np.ones(search.dimensions, dtype=bool),
                popsize=max(math.ceil(config.batch_size / search.dimensions), 1),
                x0=search.initial(),
                vectorized=True,
                updating="deferred",
                polish=False,
                maxiter=NEVER_CONVERGED,
                rng=np.random.default_rng([config.seed, restart]),
            )
        except _SearchEnded:
            return
        restart += 1
