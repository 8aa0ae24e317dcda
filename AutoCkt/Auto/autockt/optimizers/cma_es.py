"""
# CMA-ES with margin (`cmaes.CMAwM`), from the reset point

Plain CMA-ES rounded onto a grid stalls: once its step size shrinks below a grid step, every
sample rounds to the same design and the ranking it learns from is flat. CMA-ES with margin
(Hamano et al., GECCO 2022) keeps a floor under the probability of moving to a neighbouring
grid point, made for exactly this kind of integer variable. It searches the grid scaled to
the unit cube (one step size fits parameters with grids of any length), starting at the reset
point where the agents start, one generation per batch. A run that converges without meeting
the target restarts from a random design, so that the whole budget is spent searching.
"""

from __future__ import annotations

import numpy as np
from cmaes import CMAwM  # type: ignore[import-untyped]  # no type information

from .config import OptimizerConfig
from .search import TargetSearch


def cma_es(search: TargetSearch, config: OptimizerConfig) -> None:
    steps = 1.0 / np.maximum(search.tops, 1)  # a one-point grid gets a step too: CMAwM needs one in every dimension
    bounds = np.tile([0.0, 1.0], (search.dimensions, 1))
    rng = np.random.default_rng(config.seed)
    start = search.initial() * steps
    restart = 0
    while not search.done:
        optimizer = CMAwM(
            mean=start,
            sigma=config.cma_sigma,
            bounds=bounds,
            steps=steps,
            seed=config.seed + restart,
            population_size=max(config.batch_size, 2),  # CMA-ES ranks at least two designs per generation
        )
        while True:  # a generation at least per restart, so that the search always moves on
            asked = [optimizer.ask() for _ in range(optimizer.population_size)]
            losses = search.evaluate(search.from_unit(np.array([encoded for encoded, _ in asked])))
            if search.done:
                return
            optimizer.tell([(raw, float(loss)) for (_, raw), loss in zip(asked, losses, strict=True)])
            if optimizer.should_stop():
                break
        start = search.from_unit(rng.random(search.dimensions)) * steps
        restart += 1
