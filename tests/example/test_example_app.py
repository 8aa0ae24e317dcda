"""The Example app as a user runs it: the server script in one process, the client in another."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from discovery_server import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]


def test_start_server_script_and_client_round_trip(tmp_path) -> None:
    port = free_port()
    (tmp_path / ".env").write_text(f"THE_SERVER_HOST=127.0.0.1\nTHE_SERVER_PORT={port}\nTHE_SERVER_URL=127.0.0.1:{port}\n")
    with ServerProcess([sys.executable, str(ROOT / "Example/scripts/start_server.py")], port=port, cwd=tmp_path):
        out = subprocess.run([sys.executable, "-m", "example_client", "ab", "3"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ababab"
