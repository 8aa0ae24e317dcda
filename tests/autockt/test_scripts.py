"""The training and validation scripts start and explain themselves.

Each script runs as `__main__` in this process (`runpy`), as `python SCRIPT --help` runs it: a subprocess
would spend its seconds importing what the suite has imported already; validate.py runs as a process of
its own in test_agent_targets, size.py in test_size."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "AutoCkt" / "scripts"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "train_general.py",
            ["--circuit", "--max-env-steps", "--server-url", "--resume", "--moves", "--envs-per-runner", "--retry-deadline", "--corners"],
        ),
        ("train_opamp.py", ["--max-env-steps", "--server-url"]),
        ("validate.py", ["--n-specs", "--traj-len", "--seed", "--server-url", "--corners"]),
    ],
)
def test_help(script: str, expected: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", [str(SCRIPTS / script), "--help"])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(SCRIPTS / script), run_name="__main__")
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(flag in out for flag in expected), out
    assert ("--circuit" in out) == (script == "train_general.py")
