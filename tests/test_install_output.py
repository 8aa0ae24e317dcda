"""How the install scripts report their steps (`step` in scripts/python_env.sh), run by real bash.

A step prints one line when it succeeds and its tools' output only with VERBOSE=1; a failed step
says which, shows what the tools printed and how to retry, and stops the install there. The full
install is exercised by every run of scripts/test.sh, which installs before testing.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_steps(
    body: str, tmp_path: Path, verbose: bool = False, script: str = "install_fake.sh", venv: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`body` as an install script of the name `script` in scripts/ would run it."""
    path = tmp_path / script
    path.write_text(f'source "{ROOT}/scripts/python_env.sh"\n{body}\n')
    env = {k: v for k, v in os.environ.items() if k not in ("VERBOSE", "INSTALL_COMMAND", "VENV")}
    env["VERBOSE"] = "1" if verbose else "0"
    if venv is not None:
        env["VENV"] = str(venv)
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, env=env, timeout=60)


CHATTY = "chatty() { echo 'a page of banners'; echo 'more noise' >&2; }"


def test_a_step_that_succeeds_prints_one_line_and_hides_its_output(tmp_path: Path) -> None:
    run = run_steps(f'{CHATTY}\nstep "server: chatty tool" chatty\nstep "server: quiet tool" true', tmp_path)

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert [line.rsplit(" (", 1)[0] for line in lines] == ["server: chatty tool ok", "server: quiet tool ok"]
    assert lines[0].endswith(" s)")
    assert run.stderr == ""


def test_verbose_shows_every_tool_s_output(tmp_path: Path) -> None:
    run = run_steps(f'{CHATTY}\nstep "server: chatty tool" chatty', tmp_path, verbose=True)

    assert run.returncode == 0, run.stderr
    assert "a page of banners" in run.stdout and "more noise" in run.stderr
    assert "server: chatty tool ok" in run.stdout


def test_a_failing_step_says_what_failed_shows_its_output_and_how_to_retry(tmp_path: Path) -> None:
    body = (
        "broken() { echo 'resolving...'; echo 'ERROR: no matching distribution' >&2; false; echo 'never printed'; }\n"
        'step "client: python packages (editable)" broken\n'
        'step "client: pip check" true'
    )
    run = run_steps(body, tmp_path, script="install_client.sh")

    assert run.returncode == 1
    assert run.stdout == ""  # nothing after the failed step ran
    err = run.stderr
    assert "client: python packages (editable) FAILED (exit 1)" in err
    assert "resolving..." in err and "ERROR: no matching distribution" in err
    assert "never printed" not in err  # the step runs under set -e
    assert "VERBOSE=1 bash scripts/install_client.sh" in err


def test_a_step_that_exits_is_reported_and_a_retry_names_the_chosen_venv(tmp_path: Path) -> None:
    # check_consistent and friends may `exit`: the step catches it instead of ending the install silently.
    body = 'conflicting() { echo "vlsir 7.0.0 requires protobuf~=4.23"; exit 4; }\nstep "dev: pip check" conflicting'
    run = run_steps(body, tmp_path, script="install_dev.sh", venv=tmp_path / "venv")

    assert run.returncode == 4
    assert "dev: pip check FAILED (exit 4)" in run.stderr and "requires protobuf" in run.stderr
    assert f"VERBOSE=1 VENV={tmp_path / 'venv'} bash scripts/install_dev.sh" in run.stderr
