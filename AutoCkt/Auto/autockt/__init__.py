"""
# AutoCkt

Reinforcement learning of analog circuit sizing (Settaluri et al., DATE 2020) over the
Discovery circuit Rpcs: a Gymnasium environment for any `CircuitOptimization`, PPO training
on Ray RLlib through Ray Tune, and validation on targets the agent never trained on.

```python
from autockt import TrainConfig, train, validate

result = train(TrainConfig(circuit="two_stage_opamp"))  # server from THE_SERVER_URL (.env)
print(validate(result.checkpoint).summary())
```
"""

from .checkpoints import TrainedPolicy
from .env import AutoCktGym, EnvConfig
from .goal_env import AutoCktGoalEnv
from .params import DEFAULT_MOVES, TUNED_MOVES, ParamGrid
from .registration import env_id, register_envs
from .simulator import SimulationFailure, Simulator, SimulatorConfig
from .sizing import SizedDesign, SizingConfig, size
from .specs import InputError, TargetSet
from .train import TrainConfig, TrainingStopped, TrainResult, train
from .validate import ValidationReport, validate
from .vector_env import AutoCktVectorEnv

__all__ = [
    "AutoCktGoalEnv",
    "AutoCktGym",
    "AutoCktVectorEnv",
    "DEFAULT_MOVES",
    "EnvConfig",
    "InputError",
    "ParamGrid",
    "SimulationFailure",
    "Simulator",
    "SimulatorConfig",
    "SizedDesign",
    "SizingConfig",
    "TargetSet",
    "TrainConfig",
    "TrainResult",
    "TrainingStopped",
    "TrainedPolicy",
    "TUNED_MOVES",
    "ValidationReport",
    "env_id",
    "register_envs",
    "size",
    "train",
    "validate",
]
