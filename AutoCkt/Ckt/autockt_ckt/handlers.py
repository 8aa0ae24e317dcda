"""
# The Rpc handlers: importing this module attaches every AutoCkt circuit to its Rpc

Every circuit of `autockt_ckt.circuits` is attached (see `served.py`), and so are
`simulate_on_the_server` and `simulation_offer` (`vlsir_handlers.py`) and `design_waveforms`
(`design_waveforms.py`, its jobs run where the circuit's metrics run: `job_runner`), and `design_netlist`
(`design_netlist_handler.py`: a design's SPICE files, rendered in the serving process). Importing does nothing
else: no settings read, no simulator started. A handler runs its simulation where the process
says (`serving_pool.py`):
- a server calls `use_pool(pool)` with a started `SimulatorPool` before it serves, and each
  call then awaits a warm worker (no thread hop in the server process);
- without a pool (calling the Rpcs in-process, as tests and `--in-process` training do), the
  first call creates this process's own `Simulator` from the environment (`settings.py`)
  and every call simulates on the calling thread.

Simulator failures and timeouts raise `SimulationError`s, which reach remote callers as
errors carrying their type and message. A server started for one PDK serves the circuits of
no other (`rpcs_for`): they are not among its routes. Where a pool of one PDK still receives a
call for another's circuit (an app that serves every Rpc), it answers 404 `not_found` too,
naming the flag that starts a server that does (list servers of one PDK together in
`THE_SERVER_URL`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from autockt_shared.design_waveforms import DesignWaveforms, WaveformsInput, design_waveforms
from discovery_server import ApiError
from discovery_shared import ErrorType, Rpc, registry

from . import (
    design_netlist_handler,  # noqa: F401  (attaches design_netlist)
    vlsir_handlers,  # noqa: F401  (attaches simulate_on_the_server and simulation_offer)
)
from .design_waveforms import answer_waveforms
from .served import JobRunner, ServedCircuit, in_process, served_circuits, served_simulator
from .serving_pool import current_pool, use_pool
from .settings import Settings
from .simulator import Simulator

__all__ = ["current_pool", "job_runner", "local_simulator", "rpcs_for", "use_pool"]

log = logging.getLogger(__name__)

_local: Simulator | None = None
_local_lock = threading.Lock()


def local_simulator() -> Simulator:
    """This process's own simulator for in-process calls, created on first use."""
    global _local
    with _local_lock:
        if _local is None:
            settings = Settings.from_env()
            _local = served_simulator(settings, settings.run_dir, timeout_s=settings.sim_timeout_s)
            log.warning("simulation engine (in-process): %s", _local.engine_description)
        return _local


def rpcs_for(pdk: str) -> list[Rpc[Any, Any]]:
    """Every implemented Rpc that a server started for `pdk` serves: all but the circuits of another
    PDK, which such a server leaves out of its routes and OpenAPI document (a client asking for one
    gets 404 `not_found`) instead of listing them only to refuse every call."""
    elsewhere = {circuit.optimization.sim.name for circuit in served_circuits().values() if not circuit.simulates_on(pdk)}
    return [rpc for rpc in registry.implemented() if rpc.name not in elsewhere]


def job_runner(circuit: ServedCircuit[Any, Any]) -> JobRunner:
    """Where `circuit`'s jobs run: the installed pool (404 `not_found` if it simulates another PDK), else this process."""
    pool = current_pool()
    if pool is None:
        return in_process(local_simulator())
    if not circuit.simulates_on(pool.settings.pdk):
        raise ApiError(
            ErrorType.NOT_FOUND,
            f"{circuit.optimization.sim.name} simulates on {circuit.pdk}; this server runs {pool.settings.pdk}: start one with "
            f"`start_server.py --pdk {circuit.pdk}` (or AUTOCKT_PDK={circuit.pdk})",
            {"pdk": pool.settings.pdk, "circuit_pdk": circuit.pdk},
        )
    return pool.run


def _handler(circuit: ServedCircuit[Any, Any]) -> Callable[[Any], Awaitable[Any]]:
    async def handle(inp: Any) -> Any:
        return await circuit.answer(job_runner(circuit), inp)

    handle.__name__ = handle.__qualname__ = f"{circuit.name}_impl"
    handle.__annotations__ = {"inp": circuit.optimization.input_type, "return": circuit.optimization.output_type}
    handle.__doc__ = f"Simulate {circuit.name} in a pool worker, or in-process without a pool."
    return handle


@design_waveforms.impl
async def _design_waveforms(inp: WaveformsInput) -> DesignWaveforms:
    """A design's waveforms at each corner, simulated where its circuit's metrics are (`design_waveforms.py`)."""
    return await answer_waveforms(inp, job_runner)


for _circuit in served_circuits().values():
    _circuit.optimization.sim.impl(_handler(_circuit))
