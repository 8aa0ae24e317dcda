"""`AutoCkt/scripts/start_server.py` as an operator runs it: host and port from `.env`, flags win;
simulations in warm worker processes that stop with the server; results cached."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import psutil

from autockt_ckt.circuits import two_stage_opamp
from autockt_ckt.handlers import local_simulator
from autockt_ckt.worker import PROCESS_NAME
from autockt_shared import TWO_STAGE_OPAMP, OpAmpOutput
from discovery_server import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]


def metric(text: str, name: str) -> float:
    return next(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


def test_serves_every_autockt_rpc_from_warm_workers_on_the_port_the_flag_gives(tmp_path: Path) -> None:
    env_port, flag_port = free_port(), free_port()
    (tmp_path / ".env").write_text(f"THE_SERVER_HOST=127.0.0.1\nTHE_SERVER_PORT={env_port}\n")
    argv = [sys.executable, str(ROOT / "AutoCkt/scripts/start_server.py"), "--port", str(flag_port), "--sim-workers", "2"]
    url = f"http://127.0.0.1:{flag_port}"
    with ServerProcess(argv, port=flag_port, cwd=tmp_path) as server:
        workers = [p for p in psutil.Process(server.pid).children(recursive=True) if p.name() == PROCESS_NAME]
        assert len(workers) == 2
        assert metric(httpx.get(f"{url}/metrics").text, "autockt_sim_workers") == 2  # warm before the server answered
        names = {rpc["name"] for rpc in httpx.get(f"{url}/rpcs").json()}
        assert {"auto_ckt_sim_hdl21", "folded_cascode_sim"} <= names
        assert "ppaas_tsa_sim" not in names  # a gf180mcu circuit: not served by a server of the 45 nm card
        assert "/ppaas_tsa_sim" not in httpx.get(f"{url}/openapi.json").json()["paths"]
        assert httpx.post(f"{url}/ppaas_tsa_sim", json={}).json()["type"] == "not_found"
        reference = two_stage_opamp.evaluate(local_simulator(), TWO_STAGE_OPAMP.initial_input())
        for _ in range(2):
            served = httpx.post(f"{url}/auto_ckt_sim_hdl21", json=TWO_STAGE_OPAMP.initial_values())
            assert OpAmpOutput(**served.json()) == reference
        hits = 'discovery_result_cache_hits_total{rpc="auto_ckt_sim_hdl21"}'
        assert metric(httpx.get(f"{url}/metrics").text, hits) == 1  # the second call: on by default
    psutil.wait_procs(workers, timeout=10)
    assert not any(worker.is_running() for worker in workers)  # the pool stopped with the server
