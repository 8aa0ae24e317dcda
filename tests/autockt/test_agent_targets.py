"""A trained agent on targets it is given: `validate.py --targets FILE` (issue 27).

One tiny PPO run through a real server is shared by the module's tests (training is most of their
time); every simulation is real, through that server over HTTP.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autockt import train
from autockt.command_line import validate_from_command_line
from autockt.experiment import ExperimentDir
from discovery_server import BackgroundServer, create_app, free_port

from ..tiny_training import tiny_training

SCRIPTS = Path(__file__).resolve().parents[2] / "AutoCkt" / "scripts"
DESIGNER = {"gain": 250.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}


@dataclasses.dataclass(frozen=True)
class Trained:
    server_url: str
    checkpoint: Path
    experiment: ExperimentDir


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    with BackgroundServer(create_app()) as server:
        result = train(tiny_training(server.url, tmp_path_factory.mktemp("runs")))
        yield Trained(server.url, result.checkpoint, ExperimentDir.containing(result.checkpoint))


def test_validate_py_rolls_out_on_exactly_the_targets_of_a_file(trained: Trained, tmp_path: Path) -> None:
    training_target = trained.experiment.training_targets().targets[4]
    given = [
        {"ibias": 1e-3, "phm": 60, "ugbw": 1e7, "gain": 250},  # any key order, integers for floats
        {"gain": 300.0, "ugbw": 5e6, "phm": 5.0, "ibias": 1e-3},  # the reset point meets it
        training_target,  # a target trained on is as good as any other here
    ]
    targets_file = tmp_path / "targets.json"
    targets_file.write_text(json.dumps(given))
    argv = [sys.executable, str(SCRIPTS / "validate.py"), str(trained.checkpoint), "--targets", str(targets_file)]
    argv += ["--traj-len", "3", "--server-url", trained.server_url, "--output-dir", str(tmp_path / "report")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "/3 given targets" in done.stdout
    saved = json.loads((tmp_path / "report" / "results.json").read_text())
    outcomes = saved["targets"]
    assert [o["target"] for o in outcomes] == [DESIGNER, given[1], training_target]
    assert [o["index"] for o in outcomes] == [0, 1, 2]
    assert all(1 <= o["steps"] <= 3 and not o["sim_failed"] and o["simulations"] == o["steps"] + 1 for o in outcomes)
    assert outcomes[1]["reached"] and outcomes[1]["steps"] == 1  # met from the first step on (a step is the episode's least)
    assert saved["summary"]["targets"] == "given" and saved["summary"]["n_targets"] == 3
    assert saved["summary"]["n_reached"] == sum(o["reached"] for o in outcomes)


BAD_FILES = [
    (json.dumps([{**DESIGNER, "slew": 1e6}]), "targets[0].slew"),  # unknown spec
    (json.dumps([DESIGNER, {"gain": 250.0, "ugbw": 1e7, "phm": 60.0}]), "targets[1].ibias"),  # missing spec
    ('[{"gain": 250, "ugbw": 1e7, "phm": 60, "ibias": 1e-3}, {"gain": NaN, "ugbw": 1e7, "phm": 60, "ibias": 1e-3}]', "targets[1].gain"),
    ('[{"gain": 250, "ugbw": Infinity, "phm": 60, "ibias": 1e-3}]', "targets[0].ugbw"),
    (json.dumps([{**DESIGNER, "phm": "sixty"}]), "targets[0].phm"),
    (json.dumps([{**DESIGNER, "phm": None}]), "targets[0].phm"),
    (json.dumps([DESIGNER, [250.0, 1e7, 60.0, 1e-3]]), "targets[1]"),  # an entry that is not an object
    (json.dumps({"targets": [DESIGNER]}), "targets"),  # not a list
    ("[]", "targets"),
    ('[{"gain": 250,', "targets"),  # not JSON
]


@pytest.mark.parametrize(("text", "field"), BAD_FILES)
def test_a_bad_targets_file_is_refused_before_any_simulation_naming_the_entry_and_spec(
    text: str, field: str, trained: Trained, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets_file = tmp_path / "targets.json"
    targets_file.write_text(text)
    dead = f"http://127.0.0.1:{free_port()}"  # anything simulated would fail, and the validation end anyway
    argv = [str(trained.checkpoint), "--targets", str(targets_file), "--server-url", dead, "--retry-deadline", "0"]
    with pytest.raises(SystemExit) as refused:
        validate_from_command_line([*argv, "--output-dir", str(tmp_path / "report")])
    assert refused.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"validate.py: refused: {field}: ") and "\n" not in err, err
    assert not (tmp_path / "report").exists()


def test_validate_py_refuses_a_missing_targets_file_in_one_line_with_exit_2(trained: Trained, tmp_path: Path) -> None:
    argv = [sys.executable, str(SCRIPTS / "validate.py"), str(trained.checkpoint), "--targets", str(tmp_path / "absent.json")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"validate.py: refused: targets: cannot read {tmp_path / 'absent.json'}: No such file or directory"
