"""Every sizing method on the same held-out targets: the classical optimizers per target, and a trained agent.

    python benchmarks/sizing_methods.py --circuit two_stage_opamp --targets 200 [--budget 3000] [--corners SET]
        [--methods [random cma_es ...]] [--agent CHECKPOINT_OR_POLICY [--agent-training-simulations N]]
        [--in-process | --server-url URL] [--output DIR]

Issue 25's table. On `--targets` targets drawn from the validation side of `TargetSet` (seeded,
never one of the training targets: the agent's own when `--agent` is given, else the default
350 of seed `--seed`), each optimizer of `autockt.optimizers` searches for each target from
scratch with `--budget` simulations, and the agent (a checkpoint of `train`, PPO or SAC + HER, or
a shipped policy) is deployed on each: a greedy episode, then sampled ones within the budget
(`autockt.deployment`). For every method it prints the share of targets reached within 100, 300,
1,000 and 3,000 simulations per target (a search's designs do not depend on its budget, so one
run answers every smaller budget exactly), the median simulations spent on a reached target and
the mean spent per target (`--methods` naming none: the agent alone). For the agent it adds its
training simulations (from the run's results or the shipped policy's card, else
`--agent-training-simulations`) and, per optimizer, the number of reached targets after which
training plus deployment costs fewer simulations than the optimizer (AutoCkt's amortization:
costs per reached target, so that methods reaching different shares compare). Writes
`results.json` (every target of every method) and `reached.png` (share reached against
simulations per target, log x) to `--output` after each method, and prints the table in markdown.

Simulations are counted as they ran (a batch of k designs is k simulations of a nominal circuit;
failed ones count), through a server (`--server-url`, default THE_SERVER_URL) or in-process
(`--in-process`). A PVT circuit is sized for its worst case over `--corners` (default: its own
set, or the agent's run's), each design sent its target so that skip-on-fail stops it at the
typical corner when it misses there, and counted one simulation per corner simulated, for the
optimizers as for the agent; the budgets are in those simulations.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autockt import Simulator, SimulatorConfig, TargetSet
from autockt.checkpoints import Agent, open_agent
from autockt.corners import checked_corner_set, corner_options
from autockt.deployment import deploy, training_simulations
from autockt.env import DEFAULT_TRAINING_TARGETS
from autockt.optimizers import OPTIMIZERS, OptimizerConfig, optimize
from autockt.specs import InputError
from autockt_shared import TWO_STAGE_OPAMP, all_circuits, circuit_optimization

CHECKPOINTS = (100, 300, 1000, 3000)
"""The budgets per target the table reports the share reached at."""
AGENT = "agent"


@dataclasses.dataclass(frozen=True)
class MethodRun:
    """One method on every target: `reached_at[i]` the simulation that first met target `i` (`None`: never),
    `simulations[i]` what the method spent on it; `training` what it cost before the first target (an agent's)."""

    name: str
    reached_at: tuple[int | None, ...]
    simulations: tuple[int, ...]
    seconds: float
    training: int | None = None

    def share_within(self, budget: int) -> float:
        return sum(r is not None and r <= budget for r in self.reached_at) / len(self.reached_at)

    @property
    def reached(self) -> int:
        return sum(r is not None for r in self.reached_at)

    def median_to_reach(self) -> float:
        spent = [s for r, s in zip(self.reached_at, self.simulations, strict=True) if r is not None]
        return statistics.median(spent) if spent else math.nan

    def cost_per_reached(self) -> float:
        """Deployment simulations per reached target (all spent, misses included, over the reached)."""
        return sum(self.simulations) / self.reached if self.reached else math.inf


def targets_to_amortize(agent: MethodRun, optimizer: MethodRun) -> str:
    """After how many reached targets the agent's training plus deployment costs fewer simulations than `optimizer`."""
    if agent.training is None or not agent.reached:
        return "-"
    saving = optimizer.cost_per_reached() - agent.cost_per_reached()
    if math.isinf(saving):
        return f"{optimizer.name} reached none"
    return f"{math.floor(agent.training / saving) + 1:,}" if saving > 0 else "never"


def run_optimizer(
    method: str, targets: Sequence[dict[str, float]], simulator: Simulator, config: OptimizerConfig
) -> tuple[MethodRun, list[Any]]:
    start = time.monotonic()
    results = [optimize(method, simulator.optimization, target, simulator, config) for target in targets]
    run = MethodRun(method, tuple(r.reached_at for r in results), tuple(r.simulations for r in results), time.monotonic() - start)
    return run, [{k: v for k, v in r.to_json().items() if k != "trace"} for r in results]


def run_agent(
    agent: Agent, targets: Sequence[dict[str, float]], simulator: SimulatorConfig, budget: int, seed: int, training_sims: int | None
) -> tuple[MethodRun, list[Any]]:
    start = time.monotonic()
    deployments = deploy(agent.policy(), agent.env_config(simulator), targets, budget, seed)
    if training_sims is None:  # what it cost to train: a shipped policy's card says, else its trial's results
        training_sims = agent.card.training.get("simulations") if agent.card is not None else training_simulations(agent.path)
    run = MethodRun(
        AGENT, tuple(d.reached_at for d in deployments), tuple(d.simulations for d in deployments), time.monotonic() - start, training_sims
    )
    return run, [dataclasses.asdict(d) for d in deployments]


def markdown_table(runs: Sequence[MethodRun], budget: int) -> str:
    agent = next((r for r in runs if r.training is not None), None)
    columns = [f"reached within {c:,}" for c in CHECKPOINTS] + ["median sims to reach", "mean sims per target", "seconds"]
    if agent is not None:
        columns += [f"reached targets for the agent ({agent.training:,} training sims) to beat it"]
    lines = ["| method | " + " | ".join(columns) + " |", "| --- " * (len(columns) + 1) + "|"]
    for run in runs:
        cells = [f"{100 * run.share_within(c):.1f} %" if c <= budget else "-" for c in CHECKPOINTS]
        median = run.median_to_reach()
        cells += ["-" if math.isnan(median) else f"{median:g}", f"{statistics.fmean(run.simulations):.1f}", f"{run.seconds:.0f}"]
        if agent is not None:
            cells.append("" if run is agent else targets_to_amortize(agent, run))
        lines.append(f"| {run.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(runs: Sequence[MethodRun], budget: int, title: str, path: Path) -> None:
    fig = Figure(figsize=(7, 4.5), dpi=110)
    ax = fig.add_subplot()
    budgets = np.unique(np.geomspace(1, budget, 400).round().astype(int))
    for run in runs:
        ax.step(budgets, [100 * run.share_within(int(b)) for b in budgets], where="post", label=run.name)
    ax.set_xscale("log")
    ax.set_xlim(1, budget)
    ax.set_ylim(0, 100)
    ax.set_xlabel("simulations per target")
    ax.set_ylabel("targets reached (%)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left")
    FigureCanvasAgg(fig).print_png(str(path))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circuit", choices=sorted(all_circuits()), default=TWO_STAGE_OPAMP.name, help="default: %(default)s")
    parser.add_argument("--targets", type=int, default=200, help="held-out targets (default: %(default)s)")
    parser.add_argument("--budget", type=int, default=3000, help="simulations per target and method (default: %(default)s)")
    parser.add_argument(
        "--methods", nargs="*", choices=sorted(OPTIMIZERS), default=list(OPTIMIZERS), help="default: all; none named: the agent alone"
    )
    parser.add_argument("--batch-size", type=int, default=OptimizerConfig.batch_size, help="designs per batch call (default: %(default)s)")
    parser.add_argument("--gp-budget", type=int, default=OptimizerConfig.gp_budget, help="the GP sampler's own cap (default: %(default)s)")
    parser.add_argument("--corners", metavar="SET", help="a PVT circuit's corner set (default: the agent's run's, else the circuit's)")
    parser.add_argument("--seed", type=int, help="targets and optimizers (default: the agent's run's seed, else 0)")
    parser.add_argument(
        "--agent",
        type=Path,
        help="a checkpoint (or experiment directory) of autockt.train, PPO or SAC + HER, or a shipped policy, deployed beside the optimizers",
    )
    parser.add_argument("--agent-training-simulations", type=int, help="the agent's training cost, if its run's results do not record it")
    parser.add_argument("--server-url", help="circuit server(s) (default: THE_SERVER_URL from .env, else 127.0.0.1:8000)")
    parser.add_argument("--in-process", action="store_true", help="simulate in this process (needs AutoCkt/Ckt installed)")
    parser.add_argument("--output", type=Path, help="default: ~/autockt_benchmarks/sizing_methods_<circuit>_n<targets>_b<budget>")
    args = parser.parse_args(argv)

    if not args.methods and args.agent is None:
        parser.error("--methods names no optimizer and no --agent is given: nothing to run")
    torch.set_num_threads(1)  # the GP sampler's torch, and the agent's: one core each on a shared machine
    optimization = circuit_optimization(args.circuit)
    agent = open_agent(args.agent) if args.agent else None
    if agent is not None:
        if agent.record.circuit != args.circuit:
            parser.error(f"--agent was trained on {agent.record.circuit}, not --circuit {args.circuit}")
        training, seed = agent.training, agent.record.seed if args.seed is None else args.seed
    else:
        seed = 0 if args.seed is None else args.seed
        training = TargetSet.training(optimization, DEFAULT_TRAINING_TARGETS, seed)
    trained_at = None if agent is None else checked_corner_set(optimization, agent.record.corner_set)
    try:
        corner_set = checked_corner_set(optimization, args.corners or trained_at)
    except InputError as err:
        parser.error(f"--corners: {err}")
    if agent is not None and corner_set != trained_at:
        parser.error(f"--agent was trained at corner set {trained_at}, not --corners {corner_set}")
    targets = TargetSet.validation(training, args.targets, seed).targets
    sim_config = SimulatorConfig(in_process=args.in_process, server_url=args.server_url)
    config = OptimizerConfig(budget=args.budget, batch_size=args.batch_size, seed=seed, gp_budget=args.gp_budget)
    output = args.output or Path.home() / "autockt_benchmarks" / f"sizing_methods_{args.circuit}_n{args.targets}_b{args.budget}"
    output.mkdir(parents=True, exist_ok=True)
    print(
        f"{args.circuit}{'' if corner_set is None else f' at corner set {corner_set}'}: {len(targets)} held-out targets "
        f"(seed {seed}), {args.budget} simulations each, {sim_config.describe()}",
        flush=True,
    )

    runs: list[MethodRun] = []
    details: dict[str, list[Any]] = {}
    title = f"{args.circuit}{'' if corner_set is None else f' at {corner_set}'}, {len(targets)} held-out targets"
    summary = {
        "circuit": args.circuit,
        "corner_set": corner_set,
        "seed": seed,
        "targets": list(targets),
        "optimizer_config": dataclasses.asdict(config),
        "agent": None if agent is None else str(agent.path),
    }

    def record(run: MethodRun) -> None:
        """Written after every method: a run of hours that is stopped keeps the methods it finished."""
        runs.append(run)
        plot(runs, args.budget, title, output / "reached.png")
        methods = {r.name: {**dataclasses.asdict(r), "results": details[r.name]} for r in runs}
        (output / "results.json").write_text(json.dumps({**summary, "methods": methods}, indent=1))

    if agent is not None:
        run, details[AGENT] = run_agent(agent, targets, sim_config, args.budget, seed, args.agent_training_simulations)
        record(run)
        print(f"  {AGENT}: {run.reached}/{len(targets)} reached in {run.seconds:.0f} s (training: {run.training} simulations)", flush=True)
    if args.methods:  # the optimizers' simulator, opened only for them
        simulator = Simulator(optimization, sim_config, corner_options(corner_set))
        try:
            for method in args.methods:
                run, details[method] = run_optimizer(method, targets, simulator, config)
                record(run)
                print(f"  {method}: {run.reached}/{len(targets)} reached in {run.seconds:.0f} s", flush=True)
        finally:
            simulator.close()
    print()
    print(markdown_table(runs, args.budget))
    print(f"\n{output / 'results.json'}\n{output / 'reached.png'}")


if __name__ == "__main__":
    main()
