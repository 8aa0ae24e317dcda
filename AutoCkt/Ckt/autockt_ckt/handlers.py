"""
# The Rpc handlers: importing this module attaches every AutoCkt circuit to its Rpc

Importing does nothing else: no settings read, no simulator started. A handler runs its
simulation where the process says:
- a server calls `use_pool(pool)` with a started `SimulatorPool` before it serves, and each
  call then awaits a warm worker (no thread hop in the server process);
- without a pool (calling the Rpcs in-process, as tests and `--in-process` training do), the
  first call creates this process's own `Simulator` from the environment (`settings.py`)
  and every call simulates on the calling thread.

Simulator failures and timeouts raise `SimulationError`s, which reach remote callers as
errors carrying their type and message.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import TYPE_CHECKING

from autockt_shared import FoldedCascodeInput, OpAmpInput, OpAmpOutput, auto_ckt_sim_hdl21, folded_cascode_sim

from .settings import Settings
from .simulator import FOLDED, TWO_STAGE, Simulator, simulate_opamp

if TYPE_CHECKING:
    from .pool import SimulatorPool

log = logging.getLogger(__name__)

_pool: SimulatorPool | None = None
_local: Simulator | None = None
_local_lock = threading.Lock()


def use_pool(pool: SimulatorPool | None) -> None:
    """Run every simulation of this process in `pool` (started); None: in-process again."""
    global _pool
    _pool = pool


def current_pool() -> SimulatorPool | None:
    """The pool `use_pool` gave, for handlers of other modules (`vlsir_handlers`)."""
    return _pool


def local_simulator() -> Simulator:
    """This process's own simulator for in-process calls, created on first use."""
    global _local
    with _local_lock:
        if _local is None:
            settings = Settings.from_env()
            _local = Simulator.create(settings, settings.run_dir, timeout_s=settings.sim_timeout_s)
            log.warning("simulation engine (in-process): %s", _local.engine_description)
        return _local


async def _simulate(bench: str, inp: OpAmpInput | FoldedCascodeInput) -> OpAmpOutput:
    values = dataclasses.asdict(inp)
    if _pool is not None:
        return await _pool.run(simulate_opamp, bench, values)
    return simulate_opamp(local_simulator(), bench, values)


@auto_ckt_sim_hdl21.impl
async def auto_ckt_sim_hdl21_impl(inp: OpAmpInput) -> OpAmpOutput:
    return await _simulate(TWO_STAGE, inp)


@folded_cascode_sim.impl
async def folded_cascode_sim_impl(inp: FoldedCascodeInput) -> OpAmpOutput:
    return await _simulate(FOLDED, inp)


from . import vlsir_handlers  # noqa: E402, F401  (attaches simulate_on_the_server and simulation_offer too)
