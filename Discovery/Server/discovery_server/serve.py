"""
# Running a server

The module-level API of the seed: `configure(cfg)` then `start_server()`.

The bind rule: without authentication (`NoAuth`) anyone who reaches the port runs the
simulators as the anonymous user, so `start_server` serves only on loopback unless
`Config.allow_public_without_auth` says a trusted network or proxy guards the port. Either
way it says at start-up which auth it runs with.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from collections.abc import Iterable
from importlib.util import find_spec
from typing import Any

import uvicorn

from discovery_shared import Rpc

from .app import create_app
from .auth import AuthConfigError
from .config import Config
from .drain import DrainingServer
from .one_write import one_write_protocol

log = logging.getLogger("discovery_server")

_config = Config()


class UnsafeBindError(AuthConfigError):
    """A server without authentication was asked to listen beyond loopback."""


def configure(cfg: Config) -> None:
    """Set the configuration that `start_server` uses."""
    global _config
    _config = cfg


def start_server(rpcs: Iterable[Rpc[Any, Any]] | None = None) -> None:
    """Serve every implemented Rpc (import the packages holding `@rpc.impl` handlers first), or those
    of `rpcs` (an app whose configuration rules some out leaves them out of its routes and OpenAPI
    document rather than listing them only to refuse them); blocks until SIGTERM or Ctrl+C, on which
    it drains (drain.py) and returns."""
    check_bind(_config)
    app = create_app(_config, rpcs)
    server = DrainingServer(
        uvicorn.Config(
            app,
            host=_config.host,
            port=_config.port,
            log_level=_config.log_level,
            access_log=_config.access_log,
            **loop_and_parser(),
        ),
        app.state.admission,
        _config.drain_timeout,
    )
    server.run()
    if not server.started:  # as uvicorn.run: the port was taken, or the app failed to start
        sys.exit(3)


def loop_and_parser() -> dict[str, Any]:
    """uvicorn's `loop` and `http`: uvloop and httptools (uvicorn[standard]) when installed; they cost a
    served call about a third less server time than asyncio's default loop and the pure-Python h11 parser.
    Either parser's protocol writes each response in one send (one_write.py)."""
    return {
        "loop": "uvloop" if find_spec("uvloop") else "asyncio",
        "http": one_write_protocol("httptools" if find_spec("httptools") else "h11"),
    }


def check_bind(config: Config) -> None:
    """Announce the auth mode; raise `UnsafeBindError` for `NoAuth` on a non-loopback host unless forced."""
    if config.authenticated:
        log.warning("auth: %s on %s:%d", type(config.auth).__name__, config.host, config.port)
    elif is_loopback(config.host):
        log.warning("auth: none: every caller runs as the anonymous user; serving on loopback %s:%d only", config.host, config.port)
    elif config.allow_public_without_auth:
        log.warning(
            "auth: none on %s:%d, forced (allow_public_without_auth): ANYONE who can reach this port runs your simulators",
            config.host,
            config.port,
        )
    else:
        raise UnsafeBindError(
            f"refusing to serve without authentication on {config.host}, which is reachable beyond this machine: "
            "set DISCOVERY_AUTH=firebase and FIREBASE_PROJECT_ID (see the README, 'Deploy a server with Firebase auth'), "
            "or bind 127.0.0.1, or pass --allow-public-no-auth if a trusted network or proxy guards the port"
        )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything
