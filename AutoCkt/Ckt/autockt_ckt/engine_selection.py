"""
# Which `Engine` a process runs, from its settings

libngspice unless the operator chose the subprocess engine or the library cannot be loaded
(e.g. Debian's `libngspice0` is not installed): the server keeps working either way, and
says which engine it runs. The choice comes back with its reason instead of being logged
here, because every pool worker makes it: the pool logs it once, the in-process simulator
once per process.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from .engine import Engine, NgspiceSubprocessEngine
from .libngspice_engine import LibngspiceEngine
from .settings import Settings


class EngineChoice(NamedTuple):
    engine: Engine
    description: str
    """What runs and why, e.g. `libngspice (default)`: for the server's start-up log."""


def select_engine(settings: Settings, run_dir: Path, *, timeout_s: float | None) -> EngineChoice:
    """The engine `settings` ask for, simulating in `run_dir` with the wall-clock limit
    `timeout_s`; raises `OSError` if they name libngspice and it does not load."""
    if settings.engine == "subprocess":
        return EngineChoice(NgspiceSubprocessEngine(run_dir=run_dir, timeout_s=timeout_s), "subprocess (AUTOCKT_ENGINE=subprocess)")
    try:
        engine = LibngspiceEngine(run_dir=run_dir, timeout_s=timeout_s)
    except OSError as err:
        if settings.engine == "libngspice":
            raise
        return EngineChoice(
            NgspiceSubprocessEngine(run_dir=run_dir, timeout_s=timeout_s), f"subprocess, because libngspice did not load ({err})"
        )
    return EngineChoice(engine, f"libngspice ({'AUTOCKT_ENGINE=libngspice' if settings.engine else 'default'})")
