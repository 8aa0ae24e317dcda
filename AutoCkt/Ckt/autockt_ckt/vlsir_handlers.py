"""
# The handlers of `simulate_on_the_server` and `simulation_offer`

A call passes: decoding and the sandbox's structural checks (`sandbox.py`; refusals are
422s naming the offending field), the server's additions (its model file and
`num_threads=1`), rendering by vlsirtools' ngspice netlister and a check of the rendered
lines, all in a thread of the server process; then one sandboxed `ngspice -b` run
(`sandboxed_run.py`). With a simulator pool (`handlers.use_pool`, as `start_server.py` sets
it) the run is a job of a pool worker, so the pool's size bounds how many run at once;
without one (in-process use, tests) it runs from a thread of the calling process.
Settings (model file, run directory, timeout) are read from the environment on first use.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io

import vlsir.spice_pb2 as vsp
from hdl21.prefix import Prefixed
from vlsirtools.netlist.spice import NgspiceNetlister

from autockt_shared.devices import DEVICES
from autockt_shared.vlsir_sim import (
    SANDBOX_LIMITS,
    DeviceParam,
    OfferedDevice,
    OfferQuery,
    SimulationOffer,
    VlsirProtoBufBinary,
    VlsirProtoBufKind,
    simulate_on_the_server,
    simulation_offer,
)
from discovery_shared import FieldError, WireValidationError

from .sandbox import ANALYSES, OPTIONS, PRIMITIVES, Device, check_rendered_netlist, check_sim_input, decode_sim_input
from .sandboxed_run import SandboxedRun, run_sandboxed
from .settings import Settings
from .simulator import Simulator

SANDBOX_DEVICES = tuple(Device.of(device) for device in DEVICES)

POOL_MARGIN_S = 0.25
"""In a pool, a run's own wall-clock limit is this much shorter than the pool's, so that the run
is killed (and answered) before the pool kills, and must replace, the worker running it."""

_settings: Settings | None = None


def settings() -> Settings:
    """The server's settings, from the environment on first use."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


@simulate_on_the_server.impl
async def simulate_on_the_server_impl(inp: VlsirProtoBufBinary) -> VlsirProtoBufBinary:
    from .handlers import current_pool  # handlers imports this module to attach it

    pool = current_pool()
    if pool is None:
        result = await asyncio.to_thread(lambda: run_sandboxed(checked_run(inp, settings())))
    else:
        result = await pool.run(pooled_run, await asyncio.to_thread(checked_run, inp, pool.settings, pooled=True))
    return VlsirProtoBufBinary(kind=VlsirProtoBufKind.SIM_RESULT, proto_bytes=result)


def pooled_run(sim: Simulator, run: SandboxedRun) -> bytes:
    """The pool job: the run, in a directory under the worker's own."""
    return run_sandboxed(dataclasses.replace(run, run_dir=sim.run_dir))


def checked_run(inp: VlsirProtoBufBinary, settings: Settings, pooled: bool = False) -> SandboxedRun:
    """The run of `inp` once the sandbox has accepted it, with the server's model file and
    options added; `WireValidationError` (422) if it is refused."""
    sim_input = decode_sim_input(inp)
    check_sim_input(sim_input, SANDBOX_DEVICES, SANDBOX_LIMITS)
    served = vsp.SimInput()
    served.CopyFrom(sim_input)
    served.ctrls.insert(0, vsp.Control(include=vsp.Include(path=str(settings.model_path))))
    served.opts.add(name="num_threads").value.int64_value = 1  # see simulation_notes: 2 threads slow parallel runs
    netlist = io.StringIO()
    try:
        NgspiceNetlister(dest=netlist).write_sim_input(served)
    except Exception as err:  # what the sandbox let through but vlsirtools still refuses
        message = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise WireValidationError(
            VlsirProtoBufBinary, [FieldError(loc=("proto_bytes",), msg=f"cannot be netlisted: {message}", type="sandbox.netlist")]
        ) from None
    check_rendered_netlist(netlist.getvalue(), model_include=f'.include "{settings.model_path}"')
    limits = SANDBOX_LIMITS
    timeout = limits.max_wall_clock_s
    if settings.sim_timeout_s is not None:
        timeout = min(
            timeout, max(settings.sim_timeout_s - POOL_MARGIN_S, settings.sim_timeout_s / 2) if pooled else settings.sim_timeout_s
        )
    return SandboxedRun(
        netlist=netlist.getvalue(),
        analyses=vsp.SimInput(an=list(sim_input.an)).SerializeToString(),
        run_dir=settings.run_dir,
        model_path=settings.model_path,
        wall_clock_s=timeout,
        memory_bytes=limits.max_memory_bytes,
        result_bytes=limits.max_result_bytes,
    )


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
    options=tuple(sorted(OPTIONS)),
    limits=SANDBOX_LIMITS,
)
