"""The learning curve reads what a run left: Tune's result.json per trial, the checkpoints' iterations,
the validation summaries. Files laid out as Tune, RLlib and `validate` write them (a real run is
tests/autockt/test_train_and_validate.py); here the cases a tiny run does not reach."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

from autockt.experiment import ExperimentDir, RunRecord, checkpoint_env_steps
from autockt.plots import plot_learning_curve
from autockt.specs import TargetSet
from autockt_shared import circuit_optimization


def _trial(experiment: Path, name: str, rows: list[tuple[int, int, float | None]]) -> Path:
    """A trial directory whose result.json has one line per (iteration, env steps, reach rate or None)."""
    trial = experiment / name
    trial.mkdir()
    lines = []
    for iteration, steps, rate in rows:
        runners = {"episode_return_mean": -20.0} | ({} if rate is None else {"reached_rate": rate})
        lines.append(json.dumps({"training_iteration": iteration, "num_env_steps_sampled_lifetime": float(steps), "env_runners": runners}))
    (trial / "result.json").write_text("\n".join(lines) + "\n")
    return trial


def _checkpoint(trial: Path, name: str, iteration: int) -> Path:
    checkpoint = trial / name
    checkpoint.mkdir()
    with (checkpoint / "algorithm_state.pkl").open("wb") as f:
        pickle.dump({"training_iteration": iteration, "metrics_logger": {}}, f)
    return checkpoint


def _report(experiment: Path, name: str, summary: dict[str, object]) -> None:
    report = experiment / "validation" / name
    report.mkdir(parents=True)
    (report / "results.json").write_text(json.dumps({"summary": summary, "targets": []}))


def test_the_curve_takes_every_trial_and_every_report_placed_at_its_checkpoint_s_env_steps(tmp_path: Path) -> None:
    experiment = ExperimentDir(tmp_path / "exp")
    training = TargetSet.training(circuit_optimization("two_stage_opamp"), 10, 0)
    experiment.save(RunRecord("two_stage_opamp", (-1, 0, 1), 30, None, 0), training, TargetSet.validation(training, 5, 0))
    first = _trial(experiment.path, "PPO_autockt_a_00000_0_2026-12-01_10-00-00", [(1, 1200, None), (2, 2400, 0.1), (3, 3600, 0.3)])
    resumed = _trial(experiment.path, "PPO_autockt_b_00000_0_2026-12-01_11-00-00", [(4, 4800, 0.5)])
    checkpoint = _checkpoint(first, "checkpoint_000001", 2)

    assert checkpoint_env_steps(checkpoint) == 2400
    assert checkpoint_env_steps(_checkpoint(resumed, "checkpoint_000000", 9)) is None  # an iteration its trial never reported
    trials = experiment.trials()
    assert [t.trial for t in trials] == [first.name, resumed.name]
    assert math.isnan(trials[0].reached_rate[0]) and trials[0].reached_rate[1:] == (0.1, 0.3)  # no episode ended yet: nan

    _report(experiment.path, "a", {"env_steps": 2400, "actions": "greedy", "reached_fraction": 0.2, "n_reached": 1, "n_targets": 5})
    _report(experiment.path, "b", {"env_steps": 4800, "actions": "sampled", "reached_fraction": 0.0, "n_reached": 0, "n_targets": 5})
    _report(experiment.path, "c", {"actions": "greedy", "reached_fraction": 0.4, "n_reached": 2, "n_targets": 5})  # before env_steps
    assert [r["actions"] for r in experiment.validation_reports()] == ["greedy", "sampled", "greedy"]

    path = tmp_path / "learning_curve.png"
    plot_learning_curve(experiment, path)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_an_experiment_with_no_result_yet_gives_empty_axes(tmp_path: Path) -> None:
    experiment = ExperimentDir(tmp_path / "exp")
    training = TargetSet.training(circuit_optimization("two_stage_opamp"), 10, 0)
    experiment.save(RunRecord("two_stage_opamp", (-1, 0, 1), 30, None, 0), training, TargetSet.validation(training, 5, 0))
    (experiment.path / "PPO_autockt_a_00000_0_2026-12-01_10-00-00").mkdir()
    (experiment.path / "PPO_autockt_a_00000_0_2026-12-01_10-00-00" / "result.json").write_text("")  # Tune opened it, no result yet

    path = tmp_path / "learning_curve.png"
    plot_learning_curve(experiment, path)

    assert experiment.trials() == [] and experiment.validation_reports() == []
    assert path.read_bytes().startswith(b"\x89PNG")
