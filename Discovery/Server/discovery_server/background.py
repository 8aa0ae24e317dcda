"""
# A server in a background thread

For tests, benchmarks and notebooks that want a real HTTP server on loopback without a
second terminal: `with BackgroundServer(app) as server: Client(Config(server_url=server.url))`.
A Discovery app's server drains on `drain()` as a served one does on SIGTERM (drain.py);
signals only reach a server in the main thread, which this one is not.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

from .drain import DrainingServer
from .serve import loop_and_parser


class BackgroundServer:
    """Runs `app` with uvicorn on a free port of `host`, in a daemon thread, until closed."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", startup_timeout: float = 10.0, drain_timeout: float = 30.0) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self.host, self.port = self._socket.getsockname()[:2]
        self.url = f"http://{self.host}:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", **loop_and_parser())
        admission = getattr(app.state, "admission", None)  # None: not a Discovery app (a test's stand-in proxy)
        self._server = uvicorn.Server(config) if admission is None else DrainingServer(config, admission, drain_timeout)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=f"discovery-server-{self.port}", daemon=True
        )
        self._startup_timeout = startup_timeout

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on {self.url} did not start within {self._startup_timeout} s")
            time.sleep(0.01)
        return self

    def drain(self) -> None:
        """Take no new calls (503) and stop once the calls in flight are done, as on SIGTERM."""
        assert isinstance(self._server, DrainingServer), "only a Discovery app drains"
        self._server.drain()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()
