"""
# Command-line configuration

What every `start_server.py` script shares: `.env` (THE_SERVER_HOST, THE_SERVER_PORT) then
flags, so each app's script only imports its handlers and calls `serve_from_command_line`.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace

from dotenv import find_dotenv, load_dotenv

from .config import Config
from .serve import configure, start_server


def config_from_command_line(description: str, argv: list[str] | None = None, base: Config | None = None) -> Config:
    """A `Config` from `.env` and the flags `--host`, `--port`, `--handler-timeout` (flags win)."""
    load_dotenv(find_dotenv(usecwd=True))  # the .env of the directory the user runs from
    base = base or Config()
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=os.environ.get("THE_SERVER_HOST", base.host), help="default: THE_SERVER_HOST or %(default)s")
    parser.add_argument("--port", type=int, default=int(os.environ.get("THE_SERVER_PORT", base.port)), help="default: THE_SERVER_PORT or %(default)s")
    parser.add_argument("--handler-timeout", type=float, default=base.handler_timeout, help="seconds per Rpc call (default: none)")
    args = parser.parse_args(argv)
    return replace(base, host=args.host, port=args.port, handler_timeout=args.handler_timeout)


def serve_from_command_line(description: str, argv: list[str] | None = None) -> None:
    """Parse `.env` and flags, then serve every implemented Rpc; blocks."""
    configure(config_from_command_line(description, argv))
    start_server()
