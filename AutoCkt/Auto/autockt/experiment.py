"""
# What a training run leaves next to its Tune results

`~/ray_results/<experiment>/` holds, besides Tune's trial directories (results, checkpoints,
TensorBoard events), the three files that make a checkpoint usable on its own:

| file | what |
| --- | --- |
| `autockt_run.json` | the environment's definition: circuit, moves, horizon, failure penalty, seed, corner set |
| `training_targets.json` | the targets trained on |
| `validation_targets.json` | the unseen targets for validation, disjoint from the training ones |

Validation finds them from a checkpoint alone, by walking up from it. `trials()` reads back
what each trial learnt, iteration by iteration, from Tune's `result.json` (one JSON result
per line), not `progress.csv`: Tune fixes the CSV's columns at the first result, so a metric
first reported later (the reach rate, before any episode ended) never reaches the CSV.
`validation_reports()` lists the summaries validation wrote under `validation/`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
import re
from pathlib import Path
from typing import Any

from .env import EnvConfig
from .run_metrics import ENV_STEPS, REACHED_METRIC
from .simulator import SimulatorConfig
from .specs import TargetSet

RUN_FILE = "autockt_run.json"
TRAINING_TARGETS_FILE = "training_targets.json"
VALIDATION_TARGETS_FILE = "validation_targets.json"
CHECKPOINT_MARKER = "rllib_checkpoint.json"
"""Written by RLlib into every algorithm checkpoint."""
ALGORITHM_STATE_FILE = "algorithm_state.pkl"
"""In every algorithm checkpoint: the training iteration it was taken at, among others."""
STEPS_CHECKPOINT_NAME = re.compile(r".+_(\d+)_steps\.(zip|pt)")
"""`<prefix>_<env steps>_steps.zip`: Stable-Baselines3's `CheckpointCallback` names its model files so, and the
model-based agent (model_based.py) its `.pt` files likewise."""
TRIAL_RESULTS_FILE = "result.json"
VALIDATION_DIR = "validation"
VALIDATION_RESULTS_FILE = "results.json"


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """The environment a policy was trained in, minus the simulator (validation may use another server).

    `corner_set` is the PVT corners it simulated at, `None` the circuit's default set (corners.py's
    `recorded_corner_set`; a record written before environments could choose has none)."""

    circuit: str
    moves: tuple[int, ...]
    horizon: int
    failure_penalty: float | None
    seed: int
    corner_set: str | None = None

    def env_config(
        self, targets: TargetSet, simulator: SimulatorConfig, horizon: int | None = None, corner_set: str | None = None
    ) -> EnvConfig:
        """The environment it was trained in, simulated by `simulator`; `horizon` and `corner_set` given replace its own."""
        return EnvConfig(
            circuit=self.circuit,
            targets=targets.targets,
            moves=self.moves,
            horizon=horizon or self.horizon,
            simulator=simulator,
            failure_penalty=self.failure_penalty,
            corner_set=corner_set or self.corner_set,
        )


@dataclasses.dataclass(frozen=True)
class TrialProgress:
    """One trial's training, a value per iteration: env steps so far, and the training reach rate
    (`nan` until an episode ended)."""

    trial: str
    iterations: tuple[int, ...]
    env_steps: tuple[int, ...]
    reached_rate: tuple[float, ...]

    @classmethod
    def load(cls, trial_dir: Path) -> TrialProgress:
        rows = [json.loads(line) for line in (trial_dir / TRIAL_RESULTS_FILE).read_text().splitlines() if line.strip()]
        return cls(
            trial=trial_dir.name,
            iterations=tuple(int(r["training_iteration"]) for r in rows),
            env_steps=tuple(int(r.get(ENV_STEPS, 0)) for r in rows),
            reached_rate=tuple(float(r.get("env_runners", {}).get(REACHED_METRIC, math.nan)) for r in rows),
        )

    def env_steps_at(self, iteration: int) -> int | None:
        return dict(zip(self.iterations, self.env_steps, strict=True)).get(iteration)


def checkpoint_env_steps(checkpoint: Path) -> int | None:
    """The env steps a checkpoint was trained for, from its iteration and its trial's results; `None` if they do not say.

    An SB3 checkpoint (sac_her.py) says it in its name, as SB3's `CheckpointCallback` writes it; so does a
    model-based one (model_based.py).
    """
    named = STEPS_CHECKPOINT_NAME.fullmatch(checkpoint.name)
    if named is not None:
        return int(named.group(1))
    state_file, trial_dir = checkpoint / ALGORITHM_STATE_FILE, checkpoint.parent
    if not state_file.is_file() or not (trial_dir / TRIAL_RESULTS_FILE).is_file():
        return None
    with state_file.open("rb") as f:
        state: dict[str, Any] = pickle.load(f)  # the run's own checkpoint, as loading its policy unpickles it too
    iteration = state.get("training_iteration")
    return None if iteration is None else TrialProgress.load(trial_dir).env_steps_at(int(iteration))


@dataclasses.dataclass(frozen=True)
class ExperimentDir:
    path: Path

    def save(self, record: RunRecord, training: TargetSet, validation: TargetSet) -> None:
        """Write the run's record and targets; refuse to rewrite those of an earlier, different run.

        Every trial under the directory is validated against these files, so overwriting them
        with another circuit, move grid or seed would silently break the earlier trials.
        """
        if not training.isdisjoint(validation):
            raise ValueError("validation targets overlap the training targets")
        if (self.path / RUN_FILE).is_file() and (self.record(), self.training_targets()) != (record, training):
            raise ValueError(
                f"{self.path} holds a run with other settings ({self.record()}, "
                f"{len(self.training_targets())} training targets): choose another experiment name or remove it"
            )
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / RUN_FILE).write_text(json.dumps(dataclasses.asdict(record), indent=1))
        training.save(self.path / TRAINING_TARGETS_FILE)
        validation.save(self.path / VALIDATION_TARGETS_FILE)

    def record(self) -> RunRecord:
        data = json.loads((self.path / RUN_FILE).read_text())
        return RunRecord(**{**data, "moves": tuple(data["moves"])})

    def training_targets(self) -> TargetSet:
        return TargetSet.load(self.path / TRAINING_TARGETS_FILE)

    def validation_targets(self) -> TargetSet:
        return TargetSet.load(self.path / VALIDATION_TARGETS_FILE)

    @classmethod
    def containing(cls, path: Path) -> ExperimentDir:
        """The experiment a checkpoint (or trial directory) belongs to."""
        path = path.expanduser().resolve()
        for candidate in (path, *path.parents):
            if (candidate / RUN_FILE).is_file():
                return cls(candidate)
        raise FileNotFoundError(
            f"no {RUN_FILE} in {path} or above it: pass a checkpoint or experiment directory written by "
            "autockt.train (under ~/ray_results/<experiment>/ by default)"
        )

    def trials(self) -> list[TrialProgress]:
        """Every trial that reported a result, oldest first (a resumed run is a trial of its own)."""
        files = sorted(self.path.glob(f"*/{TRIAL_RESULTS_FILE}"), key=lambda p: p.stat().st_mtime)
        return [TrialProgress.load(f.parent) for f in files if f.stat().st_size]

    def validation_reports(self) -> list[dict[str, Any]]:
        """The summary of every validation report of this experiment, oldest first."""
        files = sorted((self.path / VALIDATION_DIR).glob(f"**/{VALIDATION_RESULTS_FILE}"), key=lambda p: p.stat().st_mtime)
        return [json.loads(f.read_text())["summary"] for f in files]

    def latest_checkpoint(self) -> Path:
        """The most recently written checkpoint of any trial of this experiment.

        A checkpoint is told by RLlib's own marker file, not by its name alone: validation
        reports live in `validation/<trial>/<checkpoint name>_...` beside the trials.
        """
        checkpoints = [p.parent for p in self.path.glob(f"*/checkpoint_*/{CHECKPOINT_MARKER}")]
        if not checkpoints:
            raise FileNotFoundError(f"no checkpoint under {self.path}: has training run (and finished one iteration)?")
        return max(checkpoints, key=lambda p: p.stat().st_mtime)
