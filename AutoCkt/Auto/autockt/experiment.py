"""
# What a training run leaves next to its Tune results

`~/ray_results/<experiment>/` holds, besides Tune's trial directories (results, checkpoints,
TensorBoard events), the three files that make a checkpoint usable on its own:

| file | what |
| --- | --- |
| `autockt_run.json` | the environment's definition: circuit, moves, horizon, failure penalty, seed |
| `training_targets.json` | the targets trained on |
| `validation_targets.json` | the unseen targets for validation, disjoint from the training ones |

Validation finds them from a checkpoint alone, by walking up from it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from .env import EnvConfig
from .simulator import SimulatorConfig
from .specs import TargetSet

RUN_FILE = "autockt_run.json"
TRAINING_TARGETS_FILE = "training_targets.json"
VALIDATION_TARGETS_FILE = "validation_targets.json"
CHECKPOINT_MARKER = "rllib_checkpoint.json"
"""Written by RLlib into every algorithm checkpoint."""


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """The environment a policy was trained in, minus the simulator (validation may use another server)."""

    circuit: str
    moves: tuple[int, ...]
    horizon: int
    failure_penalty: float | None
    seed: int

    def env_config(self, targets: TargetSet, simulator: SimulatorConfig, horizon: int | None = None) -> EnvConfig:
        return EnvConfig(
            circuit=self.circuit,
            targets=targets.targets,
            moves=self.moves,
            horizon=horizon or self.horizon,
            simulator=simulator,
            failure_penalty=self.failure_penalty,
        )


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

    def latest_checkpoint(self) -> Path:
        """The most recently written checkpoint of any trial of this experiment.

        A checkpoint is told by RLlib's own marker file, not by its name alone: validation
        reports live in `validation/<trial>/<checkpoint name>_...` beside the trials.
        """
        checkpoints = [p.parent for p in self.path.glob(f"*/checkpoint_*/{CHECKPOINT_MARKER}")]
        if not checkpoints:
            raise FileNotFoundError(f"no checkpoint under {self.path}: has training run (and finished one iteration)?")
        return max(checkpoints, key=lambda p: p.stat().st_mtime)
