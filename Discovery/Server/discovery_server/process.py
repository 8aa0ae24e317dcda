"""
# A server in a child process

For scripts, benchmarks and tests that start a real `start_server.py` (as an operator would)
and need to know when it answers: `with ServerProcess([...]) as server: ... server.url`.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """Runs `argv` (a server command listening on `host:port`) until closed; `start` waits for `GET /`."""

    def __init__(
        self,
        argv: Sequence[str],
        port: int,
        host: str = "127.0.0.1",
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.argv = list(argv)
        self.url = f"http://{host}:{port}"
        self._cwd, self._env, self._startup_timeout = cwd, env, startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server never blocks on a full pipe

    @property
    def pid(self) -> int:
        assert self._proc is not None, "not started"
        return self._proc.pid

    def start(self) -> ServerProcess:
        self._proc = subprocess.Popen(self.argv, cwd=self._cwd, env=self._env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self._startup_timeout
        while True:
            try:
                if httpx.get(f"{self.url}/", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self._proc.poll() is not None or time.monotonic() > deadline:
                output = self.close()
                raise RuntimeError(f"server {' '.join(self.argv)} did not answer on {self.url}:\n{output}")
            time.sleep(0.1)

    def close(self) -> str:
        """Stop the server; returns what it printed."""
        if self._proc is None:
            return ""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        self._log.seek(0)
        output = self._log.read().decode(errors="replace")
        self._log.seek(0)
        self._log.truncate()
        return output

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()
