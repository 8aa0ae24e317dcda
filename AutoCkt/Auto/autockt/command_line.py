"""
# The training and validation scripts' command lines

`AutoCkt/scripts/train_general.py`, `train_opamp.py` and `validate.py` are thin wrappers
over these, so every script takes the same flags. The server URL and token come from
THE_SERVER_URL and DISCOVERY_AUTH_TOKEN (environment, then `.env` from the working
directory up), as `discovery_client` reads them; `--server-url` overrides.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from autockt_shared import TWO_STAGE_OPAMP, all_circuits

from .experiment import ExperimentDir
from .model_based import train_model_based
from .plots import plot_learning_curve
from .progress import format_duration
from .sac_her import train_sac_her
from .shipped_policy import required_shipped_policy
from .simulator import SimulatorConfig
from .specs import InputError, read_targets
from .train import DEFAULT_STORAGE, TrainConfig, TrainingStopped, TrainResult, train
from .validate import LEARNING_CURVE_FILE, ValidationReport, validate

TRAINERS: dict[str, Callable[..., TrainResult]] = {"ppo": train, "sac_her": train_sac_her, "model_based": train_model_based}
"""`--algo`: RLlib's PPO (train.py), Stable-Baselines3's SAC with hindsight experience replay (sac_her.py), or the
model-based agent that learns the circuit's metrics and plans its moves on them (model_based.py)."""

VALIDATION_ACTIONS = {"greedy": ("greedy",), "sampled": ("sampled",), "both": ("greedy", "sampled")}
"""`--validate-actions`: which validations end a training run."""


def _add_simulator_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("simulator")
    group.add_argument(
        "--server-url",
        help="circuit server(s), host:port or URL, several comma-separated (default: THE_SERVER_URL from .env, else 127.0.0.1:8000)",
    )
    group.add_argument(
        "--in-process", action="store_true", help="simulate in this process instead of on a server (needs AutoCkt/Ckt installed)"
    )
    group.add_argument(
        "--retry-deadline",
        type=float,
        default=SimulatorConfig.retry_deadline_s,
        metavar="SECONDS",
        help="how long a simulation waits for a server that stopped answering (restarting) before its episode is given up "
        "(default: %(default)s; 0 tries once)",
    )


def _simulator(args: argparse.Namespace) -> SimulatorConfig:
    return SimulatorConfig(in_process=args.in_process, server_url=args.server_url, retry_deadline_s=args.retry_deadline)


def train_from_command_line(argv: list[str] | None = None, circuit: str | None = None) -> None:
    """Parse flags, train, validate the final checkpoint, print a summary. `circuit` fixes the circuit (no `--circuit` flag)."""
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(
        description=f"Train an AutoCkt agent{' for the ' + circuit if circuit else ''}: PPO with Ray RLlib, SAC + HER "
        "with Stable-Baselines3, or the model-based agent (--algo). "
        "Start the circuit server first: python AutoCkt/scripts/start_server.py. "
        "Watch with: tensorboard --logdir ~/ray_results",
    )
    if circuit is None:
        parser.add_argument("--circuit", choices=sorted(all_circuits()), default=TWO_STAGE_OPAMP.name, help="default: %(default)s")
    parser.add_argument(
        "--algo",
        choices=TRAINERS,
        default="ppo",
        help="PPO on Ray RLlib, SAC with hindsight experience replay on Stable-Baselines3 (PPAAS's settings), or "
        "model_based: an ensemble learns the metrics of every simulated design and each step plans the move on it "
        "(--env-runners, --envs-per-runner and --ray-address are PPO's) (default: %(default)s)",
    )
    parser.add_argument(
        "--experiment", help="results go to <storage>/<experiment> (default: autockt_<circuit>, autockt_<algo>_<circuit> for the others)"
    )
    parser.add_argument("--storage", type=Path, default=DEFAULT_STORAGE, help="default: %(default)s")
    parser.add_argument("--max-env-steps", type=int, default=defaults.max_env_steps, help="env-step budget (default: %(default)s)")
    parser.add_argument(
        "--stop-reached-rate",
        type=float,
        default=defaults.stop_reached_rate,
        help="stop once this fraction of recent training episodes reach their target (default: spend the whole budget)",
    )
    parser.add_argument(
        "--max-hours", type=float, default=defaults.max_hours, help="stop after this wall clock, checkpointed (default: no limit)"
    )
    parser.add_argument("--env-runners", type=int, help=f"default: {defaults.env_runners()} on this machine (one per CPU core)")
    parser.add_argument(
        "--envs-per-runner",
        type=int,
        default=defaults.num_envs_per_env_runner,
        help="sub-environments each env runner steps together, simulated in one batch call per step (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="targets and PPO seed (default: %(default)s)")
    parser.add_argument("--targets", type=int, default=defaults.n_training_targets, help="training targets (default: %(default)s)")
    parser.add_argument(
        "--moves",
        type=int,
        nargs="+",
        default=list(defaults.moves),
        metavar="STEPS",
        help="strides a parameter may move per action: grid steps on grids of up to 100 points, about a hundredth of the range on finer ones (default: %(default)s, AutoCkt's)",
    )
    parser.add_argument(
        "--corners",
        metavar="SET",
        help="a PVT circuit's corner set to train at (e.g. tt, the typical corner alone, for a fast start; default: the circuit's own)",
    )
    parser.add_argument(
        "--resume",
        type=Path,
        help="start from this checkpoint (sac_her: its sac_her_<steps>_steps.zip; model_based: its model_based_<steps>_steps.pt)",
    )
    parser.add_argument("--ray-address", help="join this Ray cluster instead of starting a local one")
    parser.add_argument(
        "--validate",
        type=int,
        default=defaults.n_validation_targets,
        metavar="N",
        help="then validate the final checkpoint on N of the run's unseen targets (default: %(default)s; 0: do not)",
    )
    parser.add_argument(
        "--validate-actions",
        choices=VALIDATION_ACTIONS,
        default="greedy",
        help="validate with the policy's most likely actions, sampled ones (as AutoCkt did), or both (default: %(default)s)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show everything Ray, RLlib and Tune print (their status table, config, notices)"
    )
    _add_simulator_flags(parser)
    args = parser.parse_args(argv)
    config = dataclasses.replace(
        defaults,
        circuit=circuit or args.circuit,
        experiment=args.experiment,
        storage=args.storage,
        simulator=_simulator(args),
        seed=args.seed,
        n_training_targets=args.targets,
        moves=tuple(args.moves),
        num_env_runners=args.env_runners,
        num_envs_per_env_runner=args.envs_per_runner,
        ray_address=args.ray_address,
        max_env_steps=args.max_env_steps,
        stop_reached_rate=args.stop_reached_rate,
        max_hours=args.max_hours,
        resume_from=args.resume,
        corner_set=args.corners,
    )
    try:
        result = TRAINERS[args.algo](config, progress=True, verbose=args.verbose)
    except TrainingStopped as stopped:
        raise SystemExit(f"error: {stopped}") from None
    except InputError as err:  # refused before anything is simulated
        print(f"{parser.prog}: refused: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    reports = [
        validate(result.checkpoint, n_specs=args.validate, simulator=config.simulator, sample=actions == "sampled", progress=True)
        for actions in VALIDATION_ACTIONS[args.validate_actions]
        if args.validate > 0
    ]
    if not reports:
        plot_learning_curve(ExperimentDir(result.experiment_dir), result.experiment_dir / LEARNING_CURVE_FILE)
    print(train_summary(result, reports))


def train_summary(result: TrainResult, reports: Sequence[ValidationReport]) -> str:
    """What a training run did and where everything it left is, in a few lines."""
    experiment = result.experiment_dir
    curve = result.experiment_dir / LEARNING_CURVE_FILE if not reports else reports[-1].learning_curve_file
    plots = [p for p in (curve, *(r.plot_file for r in reports)) if p is not None]
    lines = [
        f"trained {result.env_steps:,} env steps ({result.iterations} iteration{'s' if result.iterations != 1 else ''}) "
        f"in {format_duration(result.wall_clock_s)}, "
        f"training reach rate {result.reached_rate:.2f}",
        "unseen targets reached: " + (", ".join(r.reached_text() for r in reports) or "not validated (--validate 0)"),
        f"checkpoint:  {result.checkpoint}",
        f"TensorBoard: tensorboard --logdir {experiment}",
        "plots:       " + "\n             ".join(map(str, plots)),
        f"validate:    python AutoCkt/scripts/validate.py {experiment} [--sample]",
    ]
    return "\n".join(lines)


def validate_from_command_line(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Roll a trained AutoCkt policy out on unseen targets (greedy, or --sample); report the reached fraction, "
        "steps to reach and simulations used; write per-target JSON and a PNG plot."
    )
    policy = parser.add_mutually_exclusive_group(required=True)
    policy.add_argument(
        "checkpoint", type=Path, nargs="?", help="a checkpoint, an experiment directory (its latest checkpoint) or a shipped policy's .npz"
    )
    policy.add_argument("--shipped", metavar="CIRCUIT", help="the package's shipped policy for CIRCUIT instead of a checkpoint")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--n-specs", type=int, default=1000, help="unseen targets (default: %(default)s)")
    which.add_argument(
        "--targets",
        type=Path,
        metavar="FILE",
        help="validate on the targets in this JSON file, a list of {spec name: value} (as training_targets.json's "
        '"targets"), instead of unseen ones; a bad entry is refused before any simulation',
    )
    parser.add_argument("--traj-len", type=int, default=30, help="steps per rollout (default: %(default)s)")
    parser.add_argument(
        "--corners",
        metavar="SET",
        help="a PVT circuit's corner set to validate at (e.g. ppaas, every corner, for a policy trained at tt; default: the one it trained at)",
    )
    parser.add_argument("--seed", type=int, help="target seed (default: the run's, reproducing its saved validation targets)")
    parser.add_argument(
        "--sample",
        action="store_true",
        help="sample each action from the policy (as AutoCkt's validation did) instead of its most likely one",
    )
    parser.add_argument(
        "--output-dir", type=Path, help="default: <experiment>/validation/<trial>/<checkpoint>_<greedy|sampled>_seed<seed>_n<n>"
    )
    _add_simulator_flags(parser)
    args = parser.parse_args(argv)
    try:
        report = validate(
            args.checkpoint or required_shipped_policy(args.shipped),
            n_specs=args.n_specs,
            traj_len=args.traj_len,
            seed=args.seed,
            simulator=_simulator(args),
            output_dir=args.output_dir,
            sample=args.sample,
            progress=True,
            targets=None if args.targets is None else read_targets(args.targets),
            corner_set=args.corners,
        )
    except InputError as err:
        print(f"validate.py: refused: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    print(report.summary())
