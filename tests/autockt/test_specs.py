"""Training and validation targets: seeded, reproducible, never overlapping."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from autockt import TargetSet
from autockt.experiment import ExperimentDir, RunRecord
from autockt_shared import TWO_STAGE_OPAMP


def test_validation_targets_never_overlap_training_targets_even_with_the_same_seed() -> None:
    training = TargetSet.training(TWO_STAGE_OPAMP, 350, seed=7)
    validation = TargetSet.validation(training, 1000, seed=7)
    assert len(training) == 350 and len(validation) == 1000
    assert training.isdisjoint(validation)
    # A set told to avoid another redraws exactly the shared draws: generating "validation" from the
    # training stream itself must skip all 350 training targets.
    clash = TargetSet.generate(TWO_STAGE_OPAMP, 400, seed=7, stream=training.stream, avoid=training)
    assert clash.isdisjoint(training) and len(clash) == 400


def test_target_sets_are_reproducible_prefix_stable_and_round_trip_json(tmp_path: Path) -> None:
    a = TargetSet.training(TWO_STAGE_OPAMP, 50, seed=1)
    assert a == TargetSet.training(TWO_STAGE_OPAMP, 50, seed=1)
    assert a.targets[:20] == TargetSet.training(TWO_STAGE_OPAMP, 20, seed=1).targets
    assert a != TargetSet.training(TWO_STAGE_OPAMP, 50, seed=2)
    for target in a:
        for spec in TWO_STAGE_OPAMP.metrics:
            assert target[spec.name] in spec.range
    a.save(tmp_path / "t.json")
    assert TargetSet.load(tmp_path / "t.json") == a


def test_an_experiment_directory_keeps_its_first_runs_settings(tmp_path: Path) -> None:
    """Rerunning with the same settings is fine (more trials, resumes); other settings would
    silently break the earlier trials' validation, so they are refused with what to do."""
    training = TargetSet.training(TWO_STAGE_OPAMP, 20, seed=0)
    validation = TargetSet.validation(training, 30, seed=0)
    record = RunRecord("two_stage_opamp", (-1, 0, 2), 30, None, 0)
    experiment = ExperimentDir(tmp_path / "run")
    experiment.save(record, training, validation)
    experiment.save(record, training, validation)
    with pytest.raises(ValueError, match="choose another experiment name"):
        experiment.save(dataclasses.replace(record, moves=(-3, -1, 0, 1, 3)), training, validation)
    other_seed = TargetSet.training(TWO_STAGE_OPAMP, 20, seed=1)
    with pytest.raises(ValueError, match="choose another experiment name"):
        experiment.save(dataclasses.replace(record, seed=1), other_seed, TargetSet.validation(other_seed, 30, seed=1))
    assert experiment.record() == record and experiment.training_targets() == training
