"""
# The handlers of `simulate_on_the_server` and `simulation_offer`

A call passes, in order:
1. decoding and the sandbox's structural checks (`sandbox.py`), on a thread of the API
   process: refusals are 422s naming the offending field, and nothing is rendered yet;
2. a turn of the server's share for generic simulations (`sandbox_share.py`): 429 / 503 past it;
3. the server's additions (its model file and `num_threads=1`), then the three steps of a run
   (`sandboxed_run.py`): the netlist rendered and checked line by line in a pool worker under
   an address-space limit, `ngspice -b` awaited as a child process under OS limits (no worker
   is held meanwhile), the results read in a pool worker.
Without a pool (`serving_pool.use_pool`; in-process use, tests) steps 1 and 3 run on threads
of the calling process. Every failure of the run itself is the circuit's doing: a 422 naming
the instance ngspice blamed when it named one (`sandbox.simulation`, `sandbox.wall_clock`,
`sandbox.run_limit`), never a 500. Settings (model file, run directory, timeout) are read from
the environment on first use, or from the pool's settings.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import vlsir.spice_pb2 as vsp
from hdl21.prefix import Prefixed

from autockt_shared.devices import DEVICES
from autockt_shared.vlsir_sim import (
    SANDBOX_LIMITS,
    SIM_OPTIONS,
    DeviceParam,
    OfferedDevice,
    OfferQuery,
    SimInputBinary,
    SimulationOffer,
    VlsirProtoBufBinary,
    VlsirProtoBufKind,
    simulate_on_the_server,
    simulation_offer,
)
from discovery_shared import FieldError, User

from .sandbox import ANALYSES, PRIMITIVES, Device, check_sim_input, decode_sim_input, refuse
from .sandbox_netlist import RENDER_HEADROOM_BYTES, NetlistRefused, address_space_headroom, element_loc
from .sandbox_share import SandboxShare
from .sandboxed_run import RunLimits, SandboxRunError, read_results, run_ngspice, write_netlist
from .serving_pool import current_pool
from .settings import Settings
from .simulator import Simulator

T = TypeVar("T")

SANDBOX_DEVICES = tuple(Device.of(device) for device in DEVICES)

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
    """The serialized `SimInput` with the server's additions: its model file and one thread."""
    analyses: bytes
    """A serialized `SimInput` holding only the analyses: vlsirtools reads results by them."""


def check_call(binary: SimInputBinary) -> CheckedCall:
    """The call once the sandbox has accepted it; `WireValidationError` (422) if refused."""
    inp = decode_sim_input(binary)
    check_sim_input(inp, SANDBOX_DEVICES, SANDBOX_LIMITS)
    served = vsp.SimInput()
    served.CopyFrom(inp)
    served.ctrls.insert(0, vsp.Control(include=vsp.Include(path=str(_settings_in_use().model_path))))
    served.opts.add(name="num_threads").value.int64_value = 1  # see simulation_notes: 2 threads slow parallel runs
    return CheckedCall(inp=inp, served=served.SerializeToString(), analyses=vsp.SimInput(an=list(inp.an)).SerializeToString())


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
            await _in_worker(pooled_write_netlist, write_netlist, rundir, call.served, model_include(used))
            await run_ngspice(rundir, limits, used.model_path)
            result = await _in_worker(pooled_read_results, read_results, rundir, call.analyses, limits.result_bytes, used.model_path)
        except NetlistRefused as err:
            refuse(err.errors)
        except SandboxRunError as err:
            refuse([_blamed(err, call.inp)])
        finally:
            shutil.rmtree(rundir, ignore_errors=True)
    return VlsirProtoBufBinary(kind=VlsirProtoBufKind.SIM_RESULT, proto_bytes=result)


def pooled_write_netlist(_: Simulator, rundir: Path, served: bytes, model_include: str) -> None:
    """Step 1 as a pool job: rendering may not grow the worker by more than `RENDER_HEADROOM_BYTES`."""
    with address_space_headroom(RENDER_HEADROOM_BYTES):
        write_netlist(rundir, served, model_include)


def pooled_read_results(_: Simulator, rundir: Path, analyses: bytes, result_bytes: int, model_path: Path) -> bytes:
    """Step 3 as a pool job."""
    return read_results(rundir, analyses, result_bytes, model_path)


async def _in_worker(pooled: Callable[..., T], local: Callable[..., T], *args: object) -> T:
    """`pooled(sim, *args)` in a pool worker, or `local(*args)` on a thread without a pool."""
    pool = current_pool()
    if pool is None:
        return await asyncio.to_thread(local, *args)
    return await pool.run(pooled, *args)


def _settings_in_use() -> Settings:
    pool = current_pool()
    return pool.settings if pool is not None else settings()


def model_include(used: Settings) -> str:
    """The one `.include` line a served netlist holds: the server's model file."""
    return f'.include "{used.model_path}"'


def _blamed(err: SandboxRunError, inp: vsp.SimInput) -> FieldError:
    """The refusal of a run that failed: at the instance ngspice names, if it names one of the circuit's."""
    message = str(err)
    locs = (element_loc(name, inp) for name in _ELEMENT.findall(message))
    loc = next((loc for loc in locs if loc is not None), ("proto_bytes",))
    return FieldError(loc=loc, msg=f"the simulation of this circuit failed: {message}", type=f"sandbox.{err.kind}")


@simulation_offer.impl
def simulation_offer_impl(_: OfferQuery) -> SimulationOffer:
    return SIMULATION_OFFER


def _si(value: Prefixed | int | float) -> float:
    """A parameter default in SI units, exactly as written (`90*NANO` is 9e-08, not 9.000000000000001e-08)."""
    if isinstance(value, Prefixed):
        return float(value.number.scaleb(value.prefix.value))
    return float(value)


SIMULATION_OFFER = SimulationOffer(
    simulator="ngspice",
    devices=tuple(
        OfferedDevice(
            name=device.name,
            spice_type=device.spicetype.name,
            ports=tuple(port.name for port in device.port_list),
            params=tuple(
                DeviceParam(name=name, default=_si(param.default), desc=param.desc) for name, param in device.paramtype.__params__.items()
            ),
            desc=device.desc,
        )
        for device in DEVICES
    ),
    models=tuple(device.name for device in DEVICES),
    primitives=tuple(PRIMITIVES),
    analyses=ANALYSES,
    options=SIM_OPTIONS,
    limits=SANDBOX_LIMITS,
)
