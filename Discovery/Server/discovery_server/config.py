"""
# Server configuration
"""

from __future__ import annotations

from dataclasses import dataclass

from .auth import AuthConfig, NoAuth


@dataclass
class Config:
    """How and where a Discovery server runs.

    `handler_timeout` bounds each Rpc call in seconds (None: no bound); a call past it
    answers 504 while its worker thread is left to finish. `max_threads` bounds how many
    sync handlers run at once.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    auth: AuthConfig = NoAuth()
    handler_timeout: float | None = None
    max_threads: int = 32
    log_level: str = "info"
