"""Every notebook runs end to end, in a real kernel, against real servers started here, so the
notebooks cannot rot; and they are committed without outputs, so a diff shows only code and prose."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from discovery_server import ServerProcess

from .conftest import NOTEBOOKS, ROOT, execute_notebook, outputs

EXAMPLE_QUICK_START = ROOT / "Example/notebooks/quick_start.ipynb"
AUTOCKT_QUICK_START = ROOT / "AutoCkt/notebooks/quick_start.ipynb"
TRAINING_RESULTS = ROOT / "AutoCkt/notebooks/training_results.ipynb"
SIZE_A_CIRCUIT = ROOT / "AutoCkt/notebooks/size_a_circuit.ipynb"


def test_every_notebook_is_tested_here() -> None:
    assert set(NOTEBOOKS) == {EXAMPLE_QUICK_START, AUTOCKT_QUICK_START, TRAINING_RESULTS, SIZE_A_CIRCUIT}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebooks_are_stored_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    with_outputs = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not with_outputs, (
        f"{path.name}: cells {with_outputs} carry outputs; clear them (Jupyter: Clear All Outputs, then save; or `nbstripout {path}`)"
    )


def test_example_quick_start_finds_its_server_in_dot_env(example_server: ServerProcess, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"THE_SERVER_URL={example_server.url}\n")

    notebook = execute_notebook(EXAMPLE_QUICK_START, cwd=tmp_path)

    text = "\n".join(outputs(notebook, "text/plain"))
    assert f"server: {example_server.url}" in text
    assert "Example(txt='ababab', num=1)" in text
    assert "['dodo', 'rere', 'mimi']" in text
    assert "num:" in text  # the refused input names its field


def test_autockt_quick_start_sweeps_a_parameter_on_the_server(served_circuits: ServerProcess, tmp_path: Path) -> None:
    notebook = execute_notebook(
        AUTOCKT_QUICK_START, cwd=tmp_path, parameters={"SERVER_URL": served_circuits.url, "SWEEP": "cc", "POINTS": 5}
    )

    text = "\n".join(outputs(notebook, "text/plain"))
    assert "5 designs, 0 failed" in text
    assert "OpAmpOutput(gain=" in text
    assert len(outputs(notebook, "image/png")) == 1  # the sweep's metrics


def test_training_results_of_a_tiny_run(tiny_experiment: Path, served_circuits: ServerProcess, tmp_path: Path) -> None:
    parameters = {"EXPERIMENT_DIR": str(tiny_experiment), "SERVER_URL": served_circuits.url, "N_VALIDATION": 6, "TARGET": 2}

    notebook = execute_notebook(TRAINING_RESULTS, cwd=tmp_path, parameters=parameters)

    # With no report yet, the notebook validated the latest checkpoint on the run's own unseen targets.
    (report,) = (tiny_experiment / "validation").glob("**/results.json")
    summary = json.loads(report.read_text())["summary"]
    assert summary["n_targets"] == 6 and summary["actions"] == "greedy"
    text = "\n".join(outputs(notebook, "text/plain"))
    assert ("reached after" in text) or ("missed after 30 steps" in text)
    # learning curve, reached/missed targets, steps to reach, the trajectory's metrics
    assert len(outputs(notebook, "image/png")) == 4


def test_size_a_circuit_with_the_shipped_agent_writes_the_files_and_shows_the_report(
    served_circuits: ServerProcess, tmp_path: Path
) -> None:
    notebook = execute_notebook(
        SIZE_A_CIRCUIT, cwd=tmp_path, parameters={"SERVER_URL": served_circuits.url, "OUT_DIR": str(tmp_path / "out")}
    )

    text = "\n".join(outputs(notebook, "text/plain"))
    assert "two_stage_opamp: reached after" in text and "the shipped agent:" in text
    assert all(f"wrote {name}" in text for name in ("design.json", "two_stage_opamp.sp", "two_stage_opamp_tb.sp", "report.html"))
    assert json.loads((tmp_path / "out" / "design.json").read_text())["reached"] is True
    (report,) = outputs(notebook, "text/html")
    assert report.count("data:image/png;base64,") >= 2  # its Bode plot and trajectory, inline
