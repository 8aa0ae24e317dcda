"""What the notebooks run against: the apps' own start_server.py scripts on free loopback ports (the
AutoCkt one is the session's `served_circuits`, tests/served_circuits.py),
the experiment directory of the session's tiny real training run, and a way to execute a notebook
end to end in a real Jupyter kernel (nbclient) with its parameters set.

Parameters are set as papermill does it, by a cell inserted after the cell tagged `parameters`;
papermill itself would add a dependency tree for these three lines.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autockt.experiment import VALIDATION_DIR
from discovery_server import ServerProcess, free_port

from ..tiny_training import Trained

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p for p in ROOT.glob("*/notebooks/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
CELL_TIMEOUT_S = 180
CLIENT_SETTINGS = ("THE_SERVER_URL", "THE_SERVER_HTTPS", "DISCOVERY_AUTH_TOKEN", "DISCOVERY_REFRESH_TOKEN", "FIREBASE_API_KEY")
"""Kept out of the kernel's environment: a notebook must get its server from its parameters or `.env`."""


def execute_notebook(path: Path, cwd: Path, parameters: Mapping[str, object] | None = None) -> nbformat.NotebookNode:
    """Run every cell of notebook `path` in a fresh kernel working in `cwd`; raises at the first failing cell."""
    notebook = nbformat.read(path, as_version=4)
    tagged = [i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    if parameters:
        assignments = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
        notebook.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell("# Injected parameters\n" + assignments))
    env = {k: v for k, v in os.environ.items() if k not in CLIENT_SETTINGS}
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    client.execute(env=env)
    return notebook


def outputs(notebook: nbformat.NotebookNode, mime: str) -> list[str]:
    """Every output of mime type `mime` (e.g. "text/plain", "image/png"), streams included as text/plain."""
    found = []
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and mime == "text/plain":
                found.append(out.text)
            elif mime in out.get("data", {}):
                found.append(out.data[mime])
    return found


def _serve(script: str, cwd: Path, *flags: str) -> ServerProcess:
    port = free_port()
    argv = [sys.executable, str(ROOT / script), "--host", "127.0.0.1", "--port", str(port), "--auth", "none", *flags]
    return ServerProcess(argv, port=port, cwd=cwd)


@pytest.fixture(scope="session")
def example_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with _serve("Example/scripts/start_server.py", tmp_path_factory.mktemp("example-server")) as server:
        yield server


@pytest.fixture
def tiny_experiment(trained: Trained, tmp_path: Path) -> Path:
    """The session's tiny training run (tests/tiny_training.py: two PPO iterations of 120 env steps, a checkpoint
    each) as `train` left it: copied without the validation reports other tests wrote into it."""
    copy = tmp_path / trained.result.experiment_dir.name
    shutil.copytree(trained.result.experiment_dir, copy, ignore=shutil.ignore_patterns(VALIDATION_DIR))
    return copy
