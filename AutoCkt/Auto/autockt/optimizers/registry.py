"""
# The optimizers by name, and one call that runs any of them on one target

Every method is a function `(search, config) -> None` that proposes designs to a
`TargetSearch` until it is done; the search does the simulating, scoring, counting and
stopping, so that `optimize` reports every method's result the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from autockt_shared import CircuitOptimization

from ..simulator import Simulator
from ..specs import Target
from .cma_es import cma_es
from .config import OptimizerConfig
from .differential_evolution import differential_evolution
from .gaussian_process import gaussian_process
from .random_search import random_search
from .search import SizingResult, TargetSearch
from .tpe import tpe

Optimizer = Callable[[TargetSearch, OptimizerConfig], None]

OPTIMIZERS: dict[str, Optimizer] = {
    "random": random_search,
    "cma_es": cma_es,
    "differential_evolution": differential_evolution,
    "tpe": tpe,
    "gaussian_process": gaussian_process,
}


def optimize(
    method: str,
    optimization: CircuitOptimization[Any, Any],
    target: Target,
    simulator: Simulator,
    config: OptimizerConfig,
    start: Mapping[str, float] | None = None,
) -> SizingResult:
    """`method`'s search for `target`, simulating through `simulator`, until a design meets it or `config.budget` is spent.

    The methods that start somewhere start at `start` (default: the reset point), e.g. to continue from an agent's design.
    """
    if method not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {method!r}: choose one of {', '.join(OPTIMIZERS)}")
    search = TargetSearch(optimization, target, simulator, config.budget, start)
    OPTIMIZERS[method](search, config)
    return search.result(method)
