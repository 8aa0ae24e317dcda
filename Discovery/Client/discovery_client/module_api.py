"""
# The module-level API of the seed

`configure(cfg)` then `client_start()`: from then on every `Rpc` called in this process runs
on the configured server. Notebooks that want no global state use `Client` instead.
"""

from __future__ import annotations

from .client import Client
from .config import Config

_config = Config()
_client: Client | None = None


def configure(cfg: Config) -> None:
    """Set the configuration that `client_start` uses."""
    global _config
    _config = cfg


def client_start() -> Client:
    """Route every `Rpc` call in this process to the configured server; returns the client doing it."""
    global _client
    client_stop()
    _client = Client(_config)
    _client.start()
    return _client


def client_stop() -> None:
    """Close the started client; Rpcs then run in-process again (where a handler is attached)."""
    global _client
    if _client is not None:
        _client.close()
        _client = None
