"""Training on a real two-node Ray cluster (token auth on), through a real circuit server.

The cluster is Ray's own multi-node harness (`ray.cluster_utils.Cluster`): two raylets on this
machine, as `ray start --head` and `ray start --address` would start on two. The server is
`AutoCkt/scripts/start_server.py` in a process of its own (`served_circuits`); env runners on
both nodes simulate through it over HTTP. Bounded: one iteration of 240 env steps, stopped by a timeout otherwise.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from discovery_server import ServerProcess

from .conftest import ROOT


@pytest.mark.timeout(240)
def test_training_runs_env_runners_on_both_nodes_of_a_token_auth_cluster(served_circuits: ServerProcess, tmp_path: Path) -> None:
    token = tmp_path / "ray_auth_token"
    token.write_text(secrets.token_hex(32))  # as `ray get-auth-token --generate` makes one, kept out of ~/.ray
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    # its own session: on a timeout the whole group goes, the raylets and GCS included, or a later
    # `ray.init()` in this session would find their cluster and join it
    run = subprocess.Popen(
        [sys.executable, "-m", "tests.autockt.two_node_training", served_circuits.url, str(tmp_path / "results")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = run.communicate(timeout=200)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        stdout, stderr = run.communicate()
        pytest.fail(f"two-node training gave no result within 200 s; its cluster is stopped\n{stderr[-4000:]}")
    assert run.returncode == 0, stderr[-4000:]
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["env_runner_nodes"] == 2
    assert result["env_steps"] >= 240 and result["iterations"] == 1
    assert Path(result["checkpoint"]).is_dir()
