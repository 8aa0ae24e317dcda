"""
# Classical per-target optimizers on the agents' parameter grid

The baselines an RL agent must beat: random search, CMA-ES, differential
evolution, TPE and Gaussian-process Bayesian optimization, each searching for one target at a
time over the same grid as the agents, simulating through the same `Simulator` in batches, and
stopping at the first design that meets the target by the environment's own rule.

```python
from autockt import Simulator, SimulatorConfig
from autockt.optimizers import OptimizerConfig, optimize
from autockt_shared import circuit_optimization

opt = circuit_optimization("two_stage_opamp")
with_simulator = Simulator(opt, SimulatorConfig(in_process=True))
result = optimize("cma_es", opt, target, with_simulator, OptimizerConfig(budget=1000))
print(result.reached, result.simulations, result.best_metrics)
```
"""

from .config import OptimizerConfig
from .registry import OPTIMIZERS, Optimizer, optimize
from .search import SizingResult, TargetSearch

__all__ = ["OPTIMIZERS", "Optimizer", "OptimizerConfig", "SizingResult", "TargetSearch", "optimize"]
