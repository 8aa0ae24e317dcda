"""
# Running a server

The module-level API of the seed: `configure(cfg)` then `start_server()`.
"""

from __future__ import annotations

import uvicorn

from .app import create_app
from .config import Config

_config = Config()


def configure(cfg: Config) -> None:
    """Set the configuration that `start_server` uses."""
    global _config
    _config = cfg


def start_server() -> None:
    """Serve every implemented Rpc (import the packages holding `@rpc.impl` handlers first); blocks."""
    uvicorn.run(create_app(_config), host=_config.host, port=_config.port, log_level=_config.log_level)
