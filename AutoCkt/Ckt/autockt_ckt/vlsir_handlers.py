"""
# The handlers of `simulate_on_the_server` and `simulation_offer`

A call passes: decoding and the sandbox's structural checks (`sandbox.py`; refusals are
422s naming the offending field), the server's additions (its model file and
`num_threads=1`), rendering by vlsirtools' ngspice netlister and a check of the rendered
lines, then one sandboxed ngspice run (`sandboxed_run.py`). Settings (model file, run
directory, timeout) come from the environment once, at import, as for the op-amp handlers.
"""

from __future__ import annotations

import io

import vlsir.spice_pb2 as vsp
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
from hdl21.prefix import Prefixed
from vlsirtools.netlist.spice import NgspiceNetlister

from .sandbox import ANALYSES, OPTIONS, PRIMITIVES, Device, check_rendered_netlist, check_sim_input, decode_sim_input
from .sandboxed_run import SandboxedRun, run_sandboxed
from .settings import Settings

settings = Settings.from_env()
SANDBOX_DEVICES = tuple(Device.of(device) for device in DEVICES)


@simulate_on_the_server.impl
def simulate_on_the_server_impl(inp: VlsirProtoBufBinary) -> VlsirProtoBufBinary:
    sim_input = decode_sim_input(inp)
    check_sim_input(sim_input, SANDBOX_DEVICES, SANDBOX_LIMITS)
    return VlsirProtoBufBinary(kind=VlsirProtoBufKind.SIM_RESULT, proto_bytes=run_sandboxed(sandboxed_run(sim_input, settings)))


def sandboxed_run(sim_input: vsp.SimInput, settings: Settings) -> SandboxedRun:
    """The run of a checked `sim_input`, with the server's model file and options added."""
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
    timeout = limits.max_wall_clock_s if settings.sim_timeout_s is None else min(settings.sim_timeout_s, limits.max_wall_clock_s)
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
                DeviceParam(name=name, default=_si(param.default), desc=param.desc)
                for name, param in device.paramtype.__params__.items()
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
