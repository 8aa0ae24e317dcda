"""
# Every circuit's goal environment under a Gymnasium id

`register_envs()` registers `autockt/<Circuit>-v0` (`autockt/TwoStageOpamp-v0`,
`autockt/FoldedCascode-v0`, ...) for every circuit `autockt_shared.all_circuits()` knows, so
that any RL library makes them by name:

```python
import gymnasium
import autockt

autockt.register_envs()
env = gymnasium.make("autockt/TwoStageOpamp-v0", simulator=autockt.SimulatorConfig(in_process=True))
```

Registering is a call, not a side effect of importing `autockt`: Gymnasium's own way to make
an id from a module that registers on import, `gymnasium.make("autockt.gym_ids:autockt/TwoStageOpamp-v0")`,
imports `autockt.gym_ids`, which only calls this. The environments end episodes at their own
horizon, so no `TimeLimit` is registered; keyword arguments of `make` go to `AutoCktGoalEnv`.
"""

from __future__ import annotations

import gymnasium as gym

from autockt_shared import all_circuits

NAMESPACE = "autockt"
VERSION = 0


def env_id(circuit: str) -> str:
    """`two_stage_opamp` -> `autockt/TwoStageOpamp-v0`."""
    return f"{NAMESPACE}/{''.join(part.capitalize() for part in circuit.split('_'))}-v{VERSION}"


def register_envs() -> list[str]:
    """Register every circuit's goal environment (again: no harm); returns their ids."""
    ids = []
    for circuit in sorted(all_circuits()):
        ids.append(env_id(circuit))
        if ids[-1] not in gym.registry:
            gym.register(ids[-1], entry_point="autockt.goal_env:AutoCktGoalEnv", kwargs={"circuit": circuit})
    return ids
