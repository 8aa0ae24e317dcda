"""
# Random search: the baseline every other method must beat

Designs drawn uniformly from the parameter grid, a batch at a time, until one meets the
target. It learns nothing, so what it needs measures how large the region meeting a target
is; a method that needs as many simulations has learnt nothing either.
"""

from __future__ import annotations

import numpy as np

from .config import OptimizerConfig
from .search import TargetSearch


def random_search(search: TargetSearch, config: OptimizerConfig) -> None:
    rng = np.random.default_rng(config.seed)
    while not search.done:
        search.evaluate(rng.integers(0, search.tops + 1, size=(config.batch_size, search.dimensions)))
