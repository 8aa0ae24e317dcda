"""Shared by the auth tests: the Firebase Auth emulator (tests/firebase_emulator.py) and the `serve` fixture's type."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from discovery_server import BackgroundServer
from tests.firebase_emulator import API_KEY, PASSWORD, PROJECT, Emulator

ServeApp = Callable[[FastAPI], BackgroundServer]  # the `serve` fixture of tests/conftest.py

__all__ = ["API_KEY", "Emulator", "PASSWORD", "PROJECT", "ServeApp"]
