"""Training and validation targets: seeded, reproducible, never overlapping."""

from __future__ import annotations

from pathlib import Path

from autockt import TargetSet
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
