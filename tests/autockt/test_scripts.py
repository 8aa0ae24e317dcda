"""The training and validation scripts start and explain themselves."""

from __future__ import annotations

import subprocess
import sys
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
def test_help(script: str, expected: list[str]) -> None:
    out = subprocess.run([sys.executable, str(SCRIPTS / script), "--help"], capture_output=True, text=True, check=True).stdout
    assert all(flag in out for flag in expected), out
    assert ("--circuit" in out) == (script == "train_general.py")
