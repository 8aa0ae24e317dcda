"""
# AutoCkt Shared

The AutoCkt circuits as typed Discovery Rpcs, and the vocabulary an optimizer needs to drive
them: what each design parameter may be (`ParamSpec`), what each metric is asked to be
(`MetricSpec`), and how close a design is to a target (`settaluri_reward`, `CircuitOptimization.reached`).

```python
from autockt_shared import TWO_STAGE_OPAMP

metrics = TWO_STAGE_OPAMP.simulate(TWO_STAGE_OPAMP.initial_values())  # in-process or on a server
target = TWO_STAGE_OPAMP.sample_target(random.Random(0))
TWO_STAGE_OPAMP.score(metrics, target), TWO_STAGE_OPAMP.reached(metrics, target)
```
"""

from .circuits import all_circuits, circuit_optimization
from .circuits.folded_cascode import FOLDED_CASCODE, FoldedCascodeInput, folded_cascode_sim
from .circuits.two_stage_opamp import TWO_STAGE_OPAMP, OpAmpInput, OpAmpOutput, auto_ckt_sim_hdl21
from .optimization import (
    REACHED_BONUS,
    REACHED_THRESHOLD,
    CircuitOptimization,
    MetricSpec,
    ParamSpec,
    Range,
    RewardFn,
    Sense,
    grid_field,
    grid_values,
    param_specs,
    relative_difference,
    settaluri_reward,
)

__all__ = [
    "REACHED_BONUS",
    "REACHED_THRESHOLD",
    "CircuitOptimization",
    "FOLDED_CASCODE",
    "FoldedCascodeInput",
    "MetricSpec",
    "OpAmpInput",
    "OpAmpOutput",
    "ParamSpec",
    "Range",
    "RewardFn",
    "Sense",
    "TWO_STAGE_OPAMP",
    "all_circuits",
    "auto_ckt_sim_hdl21",
    "circuit_optimization",
    "folded_cascode_sim",
    "grid_field",
    "grid_values",
    "param_specs",
    "relative_difference",
    "settaluri_reward",
]
