"""
# Where this process's simulations run: the pool a server installed, or none

`start_server.py` starts a `SimulatorPool` and calls `use_pool(pool)` before it serves; every
handler (`handlers.py`, `vlsir_handlers.py`) then sends its jobs there. Without a pool
(calling the Rpcs in-process, as notebooks and tests do) handlers simulate in the calling
process. Its own module so that both handler modules depend on it, and not on each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pool import SimulatorPool

_pool: SimulatorPool | None = None


def use_pool(pool: SimulatorPool | None) -> None:
    """Run every simulation of this process in `pool` (started); None: in-process again."""
    global _pool
    _pool = pool


def current_pool() -> SimulatorPool | None:
    """The pool `use_pool` gave, or None."""
    return _pool
