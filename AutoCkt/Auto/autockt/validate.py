"""
# Validation: the trained policy on targets it never trained on

`validate(checkpoint)` rebuilds the training environment from the files saved with the run,
rolls the policy out from the reset point towards each unseen target, greedily (its most
likely action each step) or, with `sample=True`, sampling its actions as AutoCkt's own
validation did (each target's samples seeded by the run's seed and the target's index, so a
report is reproducible however the rollouts are batched), and reports how many it reached, in
how many steps, and at what cost in simulations (those actually run: with skip-on-fail, env.py,
a design that misses at the typical corner costs one). It writes every target's outcome to
`results.json`, a plot of reached and missed targets in spec space to `reached.png` and the
experiment's learning curve, this report's point included, to `learning_curve.png` (see
plots.py), by default under `<experiment>/validation/<trial>/<checkpoint>_<greedy|sampled>_seed<seed>_n<n>/`.

It takes a shipped policy (shipped_policy.py: the package's, or its weights file) as it takes a
checkpoint: its card holds the environment and the training targets' seed, so it validates on the
same unseen targets as the run it came from, and its reports go to
`~/ray_results/shipped_policies/validation/<circuit>_<greedy|sampled>_seed<seed>_n<n>/` by default
(a shipped policy has no experiment directory, and so no learning curve).

Given `targets` (e.g. a designer's, or a file of them: `--targets FILE`), it validates on
exactly those instead, checked against the circuit's specs before anything is simulated
(`specs.checked_targets`, the checks `size` makes of its target), and its report directory
ends `_given<digest>_n<n>`, the digest of those targets, so that two files never share one.

A PVT circuit's policy is validated at the corner set it was trained at (its run's `corner_set`,
env.py), or at another one given (`corner_set`, `--corners`; refused naming the field if the circuit
has no such set): a policy trained fast at `tt` is checked at every corner of `ppaas`. Its report
says the set, and its directory's name ends `_at<set>` when the set is not the trained one.

All targets roll out together: each step, the policy acts on every unfinished target's
observation at once and one batch call (in requests of at most `SimulatorConfig.max_batch`
designs and `max_batch_simulations` simulations) simulates all their moves, which the server spreads over its simulator pool. Each
target's rollout is still exactly a lone episode of the policy's environment (`AutoCktGym` for
PPO, `AutoCktGoalEnv` for SAC + HER: policy.py; driven through its two halves), so its outcome
does not depend on the others.

Each outcome also keeps the episode's score after every step and its closest design (the highest
score it simulated, with its metrics). A policy that acts greedily can walk through its target's
neighbourhood and on past it, ending farther away than it had come: the report counts the missed
targets whose episodes did (`n_walked_away`), and a deployed agent (deployment.py) answers with the
closest design, not the last.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autockt_shared import circuit_optimization

from .checkpoints import Agent, open_agent
from .corners import checked_corner_set
from .env import Design, EnvConfig, open_simulator
from .experiment import VALIDATION_DIR, VALIDATION_RESULTS_FILE
from .plots import plot_learning_curve, plot_reached
from .policy import Policy
from .progress import ValidationProgress
from .simulator import Metrics, SimulatorConfig
from .specs import Target, TargetSet, checked_targets
from .vector_env import simulate_designs, simulation_targets

PLOT_FILE = "reached.png"
LEARNING_CURVE_FILE = "learning_curve.png"
SHIPPED_REPORTS = Path("~/ray_results/shipped_policies") / VALIDATION_DIR
"""Where a shipped policy's validation reports go by default."""


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    checkpoint: Path
    n_targets: int
    n_reached: int
    mean_steps_to_reach: float
    median_steps_to_reach: float
    simulations: int
    results_file: Path
    plot_file: Path
    actions: str  # "greedy" or "sampled"
    learning_curve_file: Path | None  # None for a shipped policy (no training run to plot)
    env_steps: int | None  # what the checkpoint was trained for (None: its trial's results are gone)
    targets: str = "unseen"  # "unseen" (drawn apart from the training targets) or "given"
    corner_set: str | None = None  # the PVT corners the rollouts simulated at (None: a nominal circuit)
    trained_corner_set: str | None = None  # the corners the policy was trained at
    n_walked_away: int = 0  # missed targets whose episode had come closer than where it ended

    @property
    def reached_fraction(self) -> float:
        return self.n_reached / self.n_targets if self.n_targets else 0.0

    def summary(self) -> str:
        return (
            f"{self.actions} policy reached {self.n_reached}/{self.n_targets} {self.targets} targets ({100 * self.reached_fraction:.1f} %)"
            f"{self.corners_text()}, "
            f"steps to reach: mean {self.mean_steps_to_reach:.2f}, median {self.median_steps_to_reach:g}; "
            f"{self.simulations} simulations; {self.n_walked_away} of the {self.n_targets - self.n_reached} missed had come closer "
            f"than where they ended\nper-target results: {self.results_file}\nplots: "
            + ", ".join(str(p) for p in (self.plot_file, self.learning_curve_file) if p is not None)
        )

    def reached_text(self) -> str:
        """`961/1000 greedy (96.1 %)`"""
        return f"{self.n_reached}/{self.n_targets} {self.actions} ({100 * self.reached_fraction:.1f} %){self.corners_text()}"

    def corners_text(self) -> str:
        """` at the ppaas corners (trained at tt)`: where a PVT circuit's rollouts simulated, empty for a nominal one."""
        if self.corner_set is None:
            return ""
        trained = "" if self.trained_corner_set == self.corner_set else f" (trained at {self.trained_corner_set})"
        return f" at the {self.corner_set} corners{trained}"


def validate(
    checkpoint: Path,
    n_specs: int = 1000,
    traj_len: int = 30,
    seed: int | None = None,
    simulator: SimulatorConfig = SimulatorConfig(),
    output_dir: Path | None = None,
    sample: bool = False,
    progress: bool = False,
    targets: Sequence[Mapping[str, object]] | None = None,
    corner_set: str | None = None,
) -> ValidationReport:
    """Rollouts of `checkpoint`'s policy on `n_specs` targets disjoint from its training targets, or on `targets`.

    `checkpoint` may also be an experiment directory (its latest checkpoint is used) or a shipped policy. `seed`
    `None` uses the run's own seed, which reproduces the validation targets saved with it.
    `progress` shows the targets done of the total while the rollouts run (progress.py). `targets` that do
    not fit the circuit's specs raise `specs.InputError` naming the first problem (`targets[2].gain`). `corner_set`
    `None` validates at the corners the policy was trained at; a set the circuit does not have is an `InputError`.
    """
    agent = open_agent(Path(checkpoint))
    record = agent.record
    optimization = circuit_optimization(record.circuit)
    trained_at = checked_corner_set(optimization, record.corner_set)
    validated_at = checked_corner_set(optimization, corner_set or trained_at)
    seed = record.seed if seed is None else seed
    if targets is None:
        chosen, kind = TargetSet.validation(agent.training, n_specs, seed).targets, "unseen"
    else:
        chosen, kind = checked_targets(optimization, targets), "given"
    env_config = agent.env_config(simulator, horizon=traj_len, corner_set=validated_at)
    torch.set_num_threads(1)
    policy = agent.policy()
    mode = "sampled" if sample else "greedy"
    with ValidationProgress(len(chosen), mode) if progress else contextlib.nullcontext() as shown:
        outcomes = roll_out(policy, env_config, chosen, sample_seed=seed if sample else None, on_step=shown.update if shown else None)

    given = "" if kind == "unseen" else "_given" + hashlib.sha256(json.dumps(chosen).encode()).hexdigest()[:8]
    elsewhere = "" if validated_at == trained_at else f"_at{validated_at}"
    out = output_dir or _report_dir(agent, f"{mode}_seed{seed}{given}_n{len(chosen)}{elsewhere}")
    out.mkdir(parents=True, exist_ok=True)
    steps = [o["steps"] for o in outcomes if o["reached"]]
    report = ValidationReport(
        checkpoint=agent.path,
        n_targets=len(outcomes),
        n_reached=len(steps),
        mean_steps_to_reach=statistics.fmean(steps) if steps else float("nan"),
        median_steps_to_reach=statistics.median(steps) if steps else float("nan"),
        simulations=sum(o["simulations"] for o in outcomes),
        results_file=out / VALIDATION_RESULTS_FILE,
        plot_file=out / PLOT_FILE,
        actions=mode,
        learning_curve_file=None if agent.experiment is None else out / LEARNING_CURVE_FILE,
        env_steps=agent.env_steps,
        targets=kind,
        corner_set=validated_at,
        trained_corner_set=trained_at,
        n_walked_away=sum(walked_away(o) for o in outcomes),
    )
    summary = {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(report).items()}
    summary.update(reached_fraction=report.reached_fraction, traj_len=traj_len, seed=seed, circuit=record.circuit)
    report.results_file.write_text(json.dumps({"summary": summary, "targets": outcomes}, indent=1))
    plot_reached(optimization, outcomes, report.plot_file)
    if agent.experiment is not None and report.learning_curve_file is not None:
        plot_learning_curve(agent.experiment, report.learning_curve_file)
    return report


def walked_away(outcome: Mapping[str, Any]) -> bool:
    """Whether a rollout missed its target after having simulated a design closer to it than the one it ended on."""
    scores, closest = outcome["scores"], outcome["closest_score"]
    return not outcome["reached"] and closest is not None and scores[-1] < closest  # a closest design means a step was scored


def _report_dir(agent: Agent, name: str) -> Path:
    """`<experiment>/validation/<trial>/<checkpoint>_<name>` for a checkpoint (reruns of an experiment number
    their checkpoints afresh), `SHIPPED_REPORTS/<circuit>_<name>` for a shipped policy."""
    if agent.experiment is None:
        return SHIPPED_REPORTS.expanduser() / f"{agent.record.circuit}_{name}"
    trial = agent.path.relative_to(agent.experiment.path)
    return agent.experiment.path / VALIDATION_DIR / trial.parent / f"{trial.stem}_{name}"  # the stem: a SAC + HER checkpoint is a model zip


def roll_out(
    policy: Policy,
    config: EnvConfig,
    targets: Sequence[Target],
    sample_seed: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """One episode towards each target, all stepping together (module docstring); one outcome per target, in order.

    An outcome says whether the episode reached its target, in how many steps and simulations, the design it
    ended on (`final_design`, the last one simulated, whose metrics are `final_metrics` unless its simulation
    failed), its score after each step (`scores`), and the design among its steps that scored highest
    (`closest_design`, `closest_metrics`, `closest_score`; `None` if every step's simulation failed), which
    deploying an agent to size a circuit (deployment.py) keeps as its answer when it misses.

    `sample_seed` `None` acts greedily; else target `i` samples with its own generator seeded `[sample_seed, i]`.
    `on_step(done, step)` is told after each step how many targets are done.
    """
    simulator = open_simulator(config)
    try:
        envs = [policy.make_env(config, simulator) for _ in targets]
        rngs = None if sample_seed is None else [np.random.default_rng([sample_seed, i]) for i in range(len(targets))]
        resets = [env.begin_reset(options={"target": target}) for env, target in zip(envs, targets, strict=True)]
        reset_outcomes = simulate_designs(simulator, resets, simulation_targets(envs))
        started = [env.end_reset(o) for env, o in zip(envs, reset_outcomes, strict=True)]  # type: ignore[arg-type]
        observations = [obs for obs, _ in started]
        simulations, steps = [info["simulations"] for _, info in started], [0] * len(targets)
        finals = list(resets)
        scores: list[list[float]] = [[] for _ in targets]
        closest: list[tuple[float, Design, Metrics] | None] = [None for _ in targets]  # (score, design, metrics)
        infos: list[dict[str, Any]] = [{} for _ in targets]
        unfinished = list(range(len(targets)))
        while unfinished:
            actions = policy.act_batch([observations[i] for i in unfinished], rngs and [rngs[i] for i in unfinished])
            designs = [envs[i].begin_step(action) for i, action in zip(unfinished, actions, strict=True)]
            still = []
            outcomes = simulate_designs(simulator, designs, simulation_targets([envs[i] for i in unfinished]))
            for i, design, outcome in zip(unfinished, designs, outcomes, strict=True):
                observations[i], _, terminated, truncated, infos[i] = envs[i].end_step(outcome)
                simulations[i] += infos[i]["simulations"]  # with skip-on-fail, 1 for a design that missed at the typical corner
                scores[i].append(float(infos[i]["score"]))
                if design is not None:
                    finals[i] = design
                    best = closest[i]
                    if "metrics" in infos[i] and (best is None or scores[i][-1] > best[0]):
                        closest[i] = (scores[i][-1], design, infos[i]["metrics"])
                steps[i] += 1
                if not (terminated or truncated):
                    still.append(i)
            unfinished = still
            if on_step is not None:
                on_step(len(targets) - len(unfinished), max(steps))
    finally:
        simulator.close()
    return [
        {
            "index": i,
            "target": target,
            "reached": bool(infos[i]["reached"]),
            "steps": steps[i],
            "final_design": finals[i],
            "final_metrics": infos[i].get("metrics"),
            "sim_failed": bool(infos[i]["sim_failed"]),
            "simulations": simulations[i],
            "scores": scores[i],
            **dict(zip(("closest_score", "closest_design", "closest_metrics"), closest[i] or (None, None, None), strict=True)),
        }
        for i, target in enumerate(targets)
    ]
