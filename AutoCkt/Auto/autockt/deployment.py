"""
# A trained agent deployed like an optimizer: per target, simulations until reached or the budget is spent

AutoCkt's claim is that a trained agent sizes a new circuit with far fewer simulations than
an optimizer searching from scratch, its training cost paid back after some number of
targets. To compare the two on one footing, the agent is given each target as an optimizer
is, with a budget of simulations: a greedy episode from the reset point first (validation's
own rollouts, `roll_out`), then, for the targets it missed, episodes that sample the policy's
actions (seeded per attempt and target), until the target is reached or the budget is spent.
A target reached in an episode is reached at the simulations of the episodes before it plus
its own; the last episode may run past the budget by part of one episode, and its simulations
count too. The agent's answer is a design, as an optimizer's is: the one its reaching episode
ended on or, if none reached, the closest (highest reward) any of its episodes simulated, so that
`autockt.sizing` can size a circuit with an agent as with an optimizer. The closest, not the last:
a missed episode often passed nearer its target than where it ended (validate.py).

`training_simulations` reads what a checkpoint cost to train from its trial's results (every
iteration reports the designs its env runners simulated): the other side of the amortization.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path

from .env import Design, EnvConfig
from .experiment import TRIAL_RESULTS_FILE, checkpoint_env_steps
from .policy import Policy
from .run_metrics import ENV_STEPS, SIMULATIONS_METRIC
from .simulator import Metrics
from .specs import Target
from .validate import roll_out


@dataclasses.dataclass(frozen=True)
class Deployment:
    """The agent on one target: `reached_at` the simulation (counted over all its episodes) whose design met
    it, `None` if none did; `simulations` all it spent; `episodes` how many it played (the first greedy);
    `failed_simulations` the episodes a failed simulation ended. `design` is the design its reaching episode
    ended on, else the closest its episodes simulated, with its `metrics`; both `None` only if every episode failed."""

    target: Target
    reached_at: int | None
    simulations: int
    episodes: int
    failed_simulations: int
    design: Design | None
    metrics: Metrics | None


def deploy(policy: Policy, config: EnvConfig, targets: Sequence[Target], budget: int, seed: int) -> list[Deployment]:
    """Greedy, then sampled episodes toward every target until each is reached or has spent `budget` (module docstring)."""
    spent, episodes, failed = [0] * len(targets), [0] * len(targets), [0] * len(targets)
    reached_at: list[int | None] = [None] * len(targets)
    best_score = [-math.inf] * len(targets)
    designs: list[Design | None] = [None] * len(targets)
    metrics: list[Metrics | None] = [None] * len(targets)
    pending = list(range(len(targets)))
    attempt = 0
    while pending:
        outcomes = roll_out(policy, config, [targets[i] for i in pending], sample_seed=None if attempt == 0 else seed + attempt)
        for i, outcome in zip(pending, outcomes, strict=True):
            if outcome["reached"]:
                reached_at[i] = spent[i] + outcome["simulations"]
            spent[i] += outcome["simulations"]
            episodes[i] += 1
            failed[i] += outcome["sim_failed"]
            if outcome["reached"]:  # a reaching episode ends on its reaching design, which beats any other's
                score, design, met = math.inf, outcome["final_design"], outcome["final_metrics"]
            else:
                score, design, met = outcome["closest_score"], outcome["closest_design"], outcome["closest_metrics"]
            if met is not None and score > best_score[i]:
                best_score[i], designs[i], metrics[i] = score, design, met
        pending = [i for i in pending if reached_at[i] is None and spent[i] < budget]
        attempt += 1
    return [Deployment(target, reached_at[i], spent[i], episodes[i], failed[i], designs[i], metrics[i]) for i, target in enumerate(targets)]


def training_simulations(checkpoint: Path) -> int | None:
    """The designs simulated to train `checkpoint`, summed over its trial's iterations up to it; `None` when its
    results do not say (deleted, or written before the runs reported simulations). A resumed run's trial holds
    only what it trained itself: the run it resumed from is not counted."""
    steps = checkpoint_env_steps(checkpoint)
    if steps is None:
        return None
    rows = [json.loads(line) for line in (checkpoint.parent / TRIAL_RESULTS_FILE).read_text().splitlines() if line.strip()]
    upto = [row for row in rows if int(row.get(ENV_STEPS, 0)) <= steps]
    if not upto or any(SIMULATIONS_METRIC not in row.get("env_runners", {}) for row in upto):
        return None
    return sum(int(row["env_runners"][SIMULATIONS_METRIC]) for row in upto)
