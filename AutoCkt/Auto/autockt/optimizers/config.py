"""
# One configuration for every per-target optimizer

Every method gets the same budget, batch size and seed, so a benchmark compares methods and
not settings; the few method-specific knobs sit here too, with their defaults, so a result can
always be traced to the exact settings behind it (`dataclasses.asdict` of this object).
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """How one optimizer searches for one target.

    `budget` is in simulations (a batch of k designs spends k, failed ones included).
    `batch_size` designs are simulated per batch call: a generation of CMA-ES and of
    differential evolution, a round of asks for the Optuna samplers, a draw of random search.
    `cma_sigma` is CMA-ES's initial step size on the parameter grid scaled to [0, 1].
    `startup_trials` is how many random designs TPE and the GP sampler draw before modelling.
    `gp_budget` caps the Gaussian-process sampler's simulations: its model refits on every
    trial (cubic in their number) and its acquisition is optimized anew, about 0.5 s a trial
    after 40 trials on this machine, more than the simulations it saves past a hundred or so.
    """

    budget: int = 3000
    batch_size: int = 16
    seed: int = 0
    cma_sigma: float = 0.3
    startup_trials: int = 16
    gp_budget: int = 100

    def __post_init__(self) -> None:
        if self.budget < 1:
            raise ValueError(f"OptimizerConfig.budget must be at least 1 simulation, got {self.budget}")
        if self.batch_size < 1:
            raise ValueError(f"OptimizerConfig.batch_size must be at least 1, got {self.batch_size}")
        if not 0 < self.cma_sigma <= 1:
            raise ValueError(f"OptimizerConfig.cma_sigma must be in (0, 1], got {self.cma_sigma}")
        if self.startup_trials < 0 or self.gp_budget < 1:
            raise ValueError(f"OptimizerConfig: startup_trials >= 0 and gp_budget >= 1, got {self.startup_trials}, {self.gp_budget}")
