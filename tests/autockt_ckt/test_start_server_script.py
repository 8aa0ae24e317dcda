"""`AutoCkt/scripts/start_server.py` as an operator runs it: host and port from `.env`, flags win."""

from __future__ import annotations

import sys
from pathlib import Path

import autockt_ckt.handlers  # noqa: F401  (the in-process reference result)
import httpx
from discovery_server import ServerProcess, free_port
from autockt_shared import TWO_STAGE_OPAMP, OpAmpOutput, auto_ckt_sim_hdl21

ROOT = Path(__file__).resolve().parents[2]


def test_serves_every_autockt_rpc_on_the_port_the_flag_gives(tmp_path: Path) -> None:
    env_port, flag_port = free_port(), free_port()
    (tmp_path / ".env").write_text(f"THE_SERVER_HOST=127.0.0.1\nTHE_SERVER_PORT={env_port}\n")
    argv = [sys.executable, str(ROOT / "AutoCkt/scripts/start_server.py"), "--port", str(flag_port)]
    with ServerProcess(argv, port=flag_port, cwd=tmp_path):
        rpcs = httpx.get(f"http://127.0.0.1:{flag_port}/rpcs")
        names = {rpc["name"] for rpc in rpcs.json()}
        assert {"auto_ckt_sim_hdl21", "folded_cascode_sim"} <= names
        served = httpx.post(f"http://127.0.0.1:{flag_port}/auto_ckt_sim_hdl21", json=TWO_STAGE_OPAMP.initial_values())
        assert OpAmpOutput(**served.json()) == auto_ckt_sim_hdl21(TWO_STAGE_OPAMP.initial_input())
