"""
# The handlers of `simulate_on_the_server` and `simulation_offer`

A call passes, in order:
1. decoding and the sandbox's structural checks (`sandbox.py`), on a thread of the API
   process: refusals are 422s naming the offending field, and nothing is rendered yet;
2. a turn of the server's share for generic simulations (`sandbox_share.py`): 429 / 503 past it;
3. the server's additions (the models of its PDK at the call's process corner, `sandbox_pdk.py`,
   and `num_threads=1`), then the three steps of a run
   (`sandboxed_run.py`): the netlist rendered and checked line by line in a pool worker under
   an address-space limit, `ngspice -b` awaited as a child process under OS limits (no worker
   is held meanwhile), the results read in a pool worker.
Without a pool (`serving_pool.use_pool`; in-process use, tests) steps 1 and 3 run on threads
of the calling process. Every failure of the run itself is the circuit's doing: a 422 naming
the instance ngspice blamed when it named one (`sandbox.simulation`, `sandbox.wall_clock`,
`sandbox.run_limit`), never a 500. Settings (PDK, run directory, timeout) are read from
the environment on first use, or from the pool's settings.

`simulation_offer` answers what the server's PDK offers: its devices with their parameters and
ranges, its process corners and corner sets, never a model line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import vlsir.spice_pb2 as vsp

from autockt_shared.vlsir_sim import (
    SANDBOX_LIMITS,
    SIM_OPTIONS,
    OfferQuery,
    SimInputBinary,
    SimulationOffer,
    VlsirProtoBufBinary,
    VlsirProtoBufKind,
    simulate_on_the_server,
    simulation_offer,
)
from discovery_shared import FieldError, User

from .pdks import pdk
from .sandbox import ANALYSES, PRIMITIVES, check_sim_input, decode_sim_input, refuse
from .sandbox_netlist import RENDER_HEADROOM_BYTES, NetlistRefused, address_space_headroom, element_loc
from .sandbox_pdk import ServedModels, offered_corner_sets, offered_devices, sandbox_devices, served_models
from .sandbox_share import SandboxShare
from .sandboxed_run import RunLimits, SandboxRunError, read_results, run_ngspice, write_netlist
from .serving_pool import current_pool
from .settings import Settings
from .simulator import Simulator

T = TypeVar("T")

_ELEMENT = re.compile(r"\b[a-z]\.xtop(?:\.[a-z0-9_]+)+", re.IGNORECASE)
"""An element as ngspice names it in its messages, e.g. `m.xtop.xamp.mmn1`."""

_settings: Settings | None = None
_shares: dict[int, SandboxShare] = {}
"""The share for generic simulations, by the number of workers it is sized for."""


def settings() -> Settings:
    """The server's settings, from the environment on first use."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def share() -> SandboxShare:
    """The share of this process's server for generic simulations, sized by its pool (else its cores)."""
    pool = current_pool()
    workers = pool.settings.sim_workers if pool is not None else os.cpu_count() or 1
    if workers not in _shares:
        _shares[workers] = SandboxShare.for_workers(workers)
    return _shares[workers]


@dataclasses.dataclass(frozen=True)
class CheckedCall:
    """A call the sandbox accepted: what the run needs, as plain data."""

    inp: vsp.SimInput
    served: bytes
    """The serialized `SimInput` with the server's additions: its models and one thread."""
    models: ServedModels
    analyses: bytes
    """A serialized `SimInput` holding only the analyses: vlsirtools reads results by them."""


def check_call(binary: SimInputBinary) -> CheckedCall:
    """The call once the sandbox has accepted it; `WireValidationError` (422) if refused."""
    pdk_name = _settings_in_use().pdk
    inp = decode_sim_input(binary)
    check_sim_input(inp, sandbox_devices(pdk_name), SANDBOX_LIMITS)
    try:
        models = served_models(pdk_name, binary.corner)
    except KeyError:
        processes = [process.name for process in pdk(pdk_name).processes]
        refuse(
            [
                FieldError(
                    loc=("corner",), msg=f"{pdk_name} has no process corner {binary.corner!r}: one of {processes}", type="sandbox.corner"
                )
            ]
        )
    served = vsp.SimInput()
    served.CopyFrom(inp)
    served.ctrls.insert(0, models.control)
    served.opts.add(name="num_threads").value.int64_value = 1  # see simulation_notes: 2 threads slow parallel runs
    return CheckedCall(
        inp=inp, served=served.SerializeToString(), models=models, analyses=vsp.SimInput(an=list(inp.an)).SerializeToString()
    )


@simulate_on_the_server.impl
async def simulate_on_the_server_impl(binary: SimInputBinary, user: User) -> VlsirProtoBufBinary:
    call = await asyncio.to_thread(check_call, binary)
    used = _settings_in_use()
    limits = RunLimits(
        wall_clock_s=min(SANDBOX_LIMITS.max_wall_clock_s, used.sim_timeout_s or SANDBOX_LIMITS.max_wall_clock_s),
        memory_bytes=SANDBOX_LIMITS.max_memory_bytes,
        file_bytes=SANDBOX_LIMITS.max_file_bytes,
        result_bytes=SANDBOX_LIMITS.max_result_bytes,
    )
    async with share().turn(user):
        used.run_dir.mkdir(parents=True, exist_ok=True)
        rundir = Path(tempfile.mkdtemp(prefix="sim-", dir=used.run_dir))
        try:
            model_files = tuple(pdk(used.pdk).model_files())
            await _in_worker(pooled_write_netlist, write_netlist, rundir, call.served, call.models.line, call.models.ngbehavior)
            await run_ngspice(rundir, limits, model_files)
            result = await _in_worker(pooled_read_results, read_results, rundir, call.analyses, limits.result_bytes, model_files)
        except NetlistRefused as err:
            refuse(err.errors)
        except SandboxRunError as err:
            refuse([_blamed(err, call.inp)])
        finally:
            shutil.rmtree(rundir, ignore_errors=True)
    return VlsirProtoBufBinary(kind=VlsirProtoBufKind.SIM_RESULT, proto_bytes=result)


def pooled_write_netlist(_: Simulator, rundir: Path, served: bytes, model_line: str, ngbehavior: str | None) -> None:
    """Step 1 as a pool job: rendering may not grow the worker by more than `RENDER_HEADROOM_BYTES`."""
    with address_space_headroom(RENDER_HEADROOM_BYTES):
        write_netlist(rundir, served, model_line, ngbehavior)


def pooled_read_results(_: Simulator, rundir: Path, analyses: bytes, result_bytes: int, model_files: tuple[Path, ...]) -> bytes:
    """Step 3 as a pool job."""
    return read_results(rundir, analyses, result_bytes, model_files)


async def _in_worker(pooled: Callable[..., T], local: Callable[..., T], *args: object) -> T:
    """`pooled(sim, *args)` in a pool worker, or `local(*args)` on a thread without a pool."""
    pool = current_pool()
    if pool is None:
        return await asyncio.to_thread(local, *args)
    return await pool.run(pooled, *args)


def _settings_in_use() -> Settings:
    pool = current_pool()
    return pool.settings if pool is not None else settings()


def _blamed(err: SandboxRunError, inp: vsp.SimInput) -> FieldError:
    """The refusal of a run that failed: at the instance ngspice names, if it names one of the circuit's."""
    message = str(err)
    locs = (element_loc(name, inp) for name in _ELEMENT.findall(message))
    loc = next((loc for loc in locs if loc is not None), ("proto_bytes",))
    return FieldError(loc=loc, msg=f"the simulation of this circuit failed: {message}", type=f"sandbox.{err.kind}")


@simulation_offer.impl
def simulation_offer_impl(_: OfferQuery) -> SimulationOffer:
    return offer(_settings_in_use().pdk)


@functools.cache
def offer(pdk_name: str) -> SimulationOffer:
    """What a server started for `pdk_name` offers: names, parameters, ranges, corners; no model text."""
    kit = pdk(pdk_name)
    devices = offered_devices(pdk_name)
    return SimulationOffer(
        simulator="ngspice",
        pdk=pdk_name,
        process_corners=tuple(process.name for process in kit.processes),
        corner_sets=offered_corner_sets(kit),
        devices=devices,
        models=tuple(device.name for device in devices),
        primitives=tuple(PRIMITIVES),
        analyses=ANALYSES,
        options=SIM_OPTIONS,
        limits=SANDBOX_LIMITS,
    )
