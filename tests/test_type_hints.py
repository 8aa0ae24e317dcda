"""The type hints every module carries are checked, as the project's packages are configured in
the root pyproject.toml (`[tool.mypy]`): a wrong hint fails here rather than misleading a reader.

mypy runs as a subprocess, as a developer runs it (`python -m mypy` from the repository root);
its cache (`.mypy_cache/`) makes a rerun take seconds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "targets",
    [
        [],  # the packages listed in [tool.mypy]
        # Scripts, one directory per run: both hold a start_server.py, and one run refuses two modules of one name.
        ["AutoCkt/scripts"],
        ["Example/scripts"],
    ],
    ids=["packages", "AutoCkt-scripts", "Example-scripts"],
)
def test_mypy_passes(targets: list[str]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mypy", *targets], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, f"mypy {' '.join(targets)} found errors:\n{run.stdout}{run.stderr}"
