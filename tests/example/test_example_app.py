"""The Example app as a user runs it: the server script in one process, the client in another."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_start_server_script_and_client_round_trip(tmp_path) -> None:
    port = _free_port()
    (tmp_path / ".env").write_text(f"THE_SERVER_HOST=127.0.0.1\nTHE_SERVER_PORT={port}\nTHE_SERVER_URL=127.0.0.1:{port}\n")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "Example/scripts/start_server.py")],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/").status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read().decode()
                time.sleep(0.1)
        out = subprocess.run(
            [sys.executable, "-m", "example_client", "ab", "3"], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "ababab"
    finally:
        server.terminate()
        server.wait(10)
