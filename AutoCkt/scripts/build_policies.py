"""(Re)build the policies that ship with autockt: train each circuit with its recorded settings, validate, package.

    python AutoCkt/scripts/build_policies.py [--circuit two_stage_opamp ...] [--n-specs 1000] [--env-runners 1]
    python AutoCkt/scripts/build_policies.py --from-checkpoint ~/ray_results/<experiment>[/<trial>/<checkpoint>]

For each circuit (by default every nominal one with a recipe below; a circuit of an open PDK is named with
--circuit and trains through --server-url, a server started for its PDK): PPO, or the agent its recipe names
(`ppaas_tsa`: the model-based agent), with the settings its recipe records (the ones its README figures were
measured with), simulated in-process unless --server-url; then the final checkpoint's policy is exported
(autockt.policy_export), validated on `--n-specs` unseen targets greedy and sampled (`--validate-actions`;
autockt.validate, on the exported policy itself), and written with its figures to
AutoCkt/Auto/autockt/policies/<circuit>.npz + .json (`--out` elsewhere), where `size.py` finds it.
`--from-checkpoint` skips the training and packages an existing checkpoint (its circuit from its run): PPO's, or a
model-based agent's (`train_general.py --algo model_based`).
A shipped policy whose circuit changed is refused when loaded, with this script's command to rebuild it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import subprocess
import time
from pathlib import Path
from typing import Any

from autockt import TUNED_MOVES, SimulatorConfig, TrainConfig, validate
from autockt.command_line import TRAINERS, VALIDATION_ACTIONS, _add_simulator_flags, _simulator
from autockt.experiment import ExperimentDir
from autockt.policy_export import export_checkpoint
from autockt.shipped_policy import POLICIES_DIR, WEIGHTS_SUFFIX, rebuild_command
from autockt.validate import ValidationReport
from autockt_shared import circuit_optimization

RECIPE_BASE: dict[str, Any] = {"moves": TUNED_MOVES}
"""What every recipe starts from (`autockt.TUNED_MOVES` says why)."""
RECIPES: dict[str, dict[str, Any]] = {
    # TrainConfig fields besides its defaults and RECIPE_BASE, as each circuit's README figure was trained
    "two_stage_opamp": {"max_env_steps": 175_000},
    "latch": {"max_env_steps": 30_000},
    "folded_cascode": {"max_env_steps": 120_000, "train_batch_size": 1200, "num_envs_per_env_runner": 1},
    "ngm_ota": {"max_env_steps": 200_000, "num_envs_per_env_runner": 16},
    "ldo": {"max_env_steps": 85_000},
    "flip_flop": {"max_env_steps": 36_000},
    "ppaas_comp": {"max_env_steps": 100_000, "stop_reached_rate": 0.95},
    "two_stage_opamp_sky130": {"max_env_steps": 100_000, "stop_reached_rate": 0.95},
    "ppaas_tsa": {"algo": "model_based", "max_env_steps": 24_000, "max_hours": 0.7},
}
"""The circuits that ship a policy, and how each trains: `algo` the trainer (`train_general.py --algo`; PPO unless
named), the rest `TrainConfig` fields."""
SHIPPED_DIR = "shipped"
"""Under the run's experiment directory: the exported policy, validated there before it is copied to `--out`."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--circuit", nargs="+", choices=sorted(RECIPES), help="default: every nominal circuit with a recipe")
    which.add_argument("--from-checkpoint", type=Path, metavar="PATH", help="package this checkpoint (or experiment's latest) instead")
    parser.add_argument("--n-specs", type=int, default=1000, help="unseen validation targets (default: %(default)s)")
    parser.add_argument(
        "--validate-actions",
        choices=VALIDATION_ACTIONS,
        default="both",
        help="validate greedy, sampled or both before packaging (default: %(default)s; greedy alone halves a PVT circuit's hour)",
    )
    parser.add_argument("--env-runners", type=int, default=1, help="PPO env runners (default: %(default)s, leaving a core free)")
    parser.add_argument("--storage", type=Path, default=Path("~/ray_results"), help="training runs go to <storage>/shipped_<circuit>")
    parser.add_argument("--out", type=Path, default=POLICIES_DIR, help="where the policies are written (default: the package's)")
    _add_simulator_flags(parser)
    args = parser.parse_args(argv)
    for circuit in args.circuit or []:
        pdk = circuit_optimization(circuit).pdk
        if pdk is not None and args.server_url is None:
            parser.error(
                f"{circuit} simulates on {pdk}: start `python AutoCkt/scripts/start_server.py --pdk {pdk}` and pass its --server-url"
            )
    if args.server_url is None:
        args.in_process = True
    simulator = _simulator(args)
    if args.from_checkpoint is not None:
        written = package(args.from_checkpoint, simulator, args.n_specs, args.out, {}, VALIDATION_ACTIONS[args.validate_actions])
        print(f"wrote {written}")
        return
    for circuit in args.circuit or [name for name in RECIPES if circuit_optimization(name).pdk is None]:
        recipe = {**RECIPE_BASE, **RECIPES[circuit]}
        settings = {key: value for key, value in recipe.items() if key != "algo"}
        config = TrainConfig(
            circuit=circuit,
            experiment=f"shipped_{circuit}",
            storage=args.storage,
            simulator=simulator,
            num_env_runners=args.env_runners,
            **settings,
        )
        started = time.monotonic()
        result = TRAINERS[recipe.get("algo", "ppo")](config, progress=True)
        trained = {"wall_clock_s": round(time.monotonic() - started), "recipe": recipe}
        written = package(result.checkpoint, simulator, args.n_specs, args.out, trained, VALIDATION_ACTIONS[args.validate_actions])
        print(f"{circuit}: wrote {written}")


def package(
    checkpoint: Path,
    simulator: SimulatorConfig,
    n_specs: int,
    out: Path,
    trained: dict[str, Any],
    actions: tuple[str, ...] = ("greedy", "sampled"),
) -> Path:
    """Export `checkpoint`, validate the export with each of `actions`, write it with its figures to `out`."""
    policy = export_checkpoint(checkpoint)
    circuit = policy.card.circuit
    staged = ExperimentDir.containing(checkpoint).path / SHIPPED_DIR / f"{circuit}{WEIGHTS_SUFFIX}"
    policy.save(staged)
    reports = [validate(staged, n_specs=n_specs, simulator=simulator, sample=kind == "sampled", progress=True) for kind in actions]
    for report in reports:
        print(report.summary())
    card = dataclasses.replace(
        policy.card,
        training={**policy.card.training, **trained, "rebuild": rebuild_command(circuit)},
        validation={
            **{report.actions: figures(report) for report in reports},
            "measured": datetime.date.today().isoformat(),
            "commit": _commit(),
            "simulator": simulator.describe(),
        },
    )
    return policy.with_card(card).save(out / f"{circuit}{WEIGHTS_SUFFIX}")


def figures(report: ValidationReport) -> dict[str, Any]:
    return {
        "reached": report.n_reached,
        "targets": report.n_targets,
        "mean_steps_to_reach": round(report.mean_steps_to_reach, 3),
        "median_steps_to_reach": report.median_steps_to_reach,
        "simulations": report.simulations,
    }


def _commit() -> str | None:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent)
    return proc.stdout.strip() or None


if __name__ == "__main__":
    main()
