"""`start_server.py`, as an operator runs it, serves simulate_on_the_server from its pool."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import hdl21.sim as hs
import pytest

import discovery_client as dc
from autockt_shared.remote_sim import sim_input_binary, sim_result_from_proto
from autockt_shared.vlsir_sim import OfferQuery, SimInputBinary, simulate_on_the_server, simulation_offer
from discovery_server import ServerProcess, free_port

from .circuits import rc_sim
from .conftest import assert_same_vectors, run_locally, sim_result
from .pdk_circuits import inverter_sim

ROOT = Path(__file__).resolve().parents[2]


def test_the_server_script_serves_it_sandboxed(tmp_path: Path) -> None:
    port, run_dir = free_port(), tmp_path / "runs"
    argv = [sys.executable, str(ROOT / "AutoCkt/scripts/start_server.py"), "--port", str(port), "--sim-workers", "1"]
    env = {**os.environ, "AUTOCKT_RUN_DIR": str(run_dir)}
    with ServerProcess(argv, port=port, cwd=tmp_path, env=env) as server, dc.Client(dc.Config(server_url=server.url)) as client:
        answer = client.call(simulate_on_the_server, sim_input_binary(rc_sim()))
        assert_same_vectors(sim_result_from_proto(sim_result(answer.proto_bytes)), run_locally(rc_sim(), tmp_path / "local"))
        hostile = hs.to_proto(rc_sim())
        hostile.ctrls.add(literal=".control\nshell touch pwned\n.endc")
        with pytest.raises(dc.ValidationError):
            client.call(simulate_on_the_server, SimInputBinary(proto_bytes=hostile.SerializeToString()))
        assert not list(run_dir.glob("**/sim-*"))  # every run's directory is gone
    assert not (tmp_path / "pwned").exists()


def test_a_server_started_for_an_open_pdk_offers_and_simulates_its_devices(tmp_path: Path) -> None:
    """`--pdk sky130`: the offer of the pool's server is sky130's, and a circuit of its devices at a
    corner runs in the pool's setting (the workers render, the API process runs ngspice) as locally."""
    port, run_dir = free_port(), tmp_path / "runs"
    argv = [sys.executable, str(ROOT / "AutoCkt/scripts/start_server.py"), "--port", str(port), "--sim-workers", "1", "--pdk", "sky130"]
    env = {**os.environ, "AUTOCKT_RUN_DIR": str(run_dir)}
    with ServerProcess(argv, port=port, cwd=tmp_path, env=env) as server, dc.Client(dc.Config(server_url=server.url)) as client:
        offer = client.call(simulation_offer, OfferQuery())
        assert offer.pdk == "sky130" and "sky130_fd_pr__nfet_01v8" in offer.models
        answer = client.call(simulate_on_the_server, sim_input_binary(inverter_sim(offer), "ss"))
        local = run_locally(inverter_sim(offer), tmp_path / "local", "sky130", "ss")
        assert_same_vectors(sim_result_from_proto(sim_result(answer.proto_bytes)), local)
        assert not list(run_dir.glob("**/sim-*"))
