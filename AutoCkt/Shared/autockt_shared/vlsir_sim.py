"""
# Any circuit, simulated on the server: `simulate_on_the_server` and what the server offers

A client builds a circuit and its testbench in Hdl21, sends the VLSIR `SimInput` protobuf
(what `hdl21.sim.to_proto(sim)` makes) and gets the VLSIR `SimResult` protobuf back,
simulated with the server's ngspice and its PDK's models at the process corner the call names,
which never leave the server.
`autockt_shared.remote_sim.run_on_the_server(sim)` does both conversions (it needs the
`hdl21` extra); this module needs neither Hdl21 nor VLSIR, so both sides import it freely.

The server simulates only what its sandbox accepts, checked on the decoded protobuf before
anything runs: no netlist text from the client (literals, custom analyses, string values,
measurements, includes, libraries), plain identifiers as names, finite numbers or one
arithmetic expression as values, options within `SIM_OPTIONS`' ranges, only the devices and
primitives it offers, and everything within `SANDBOX_LIMITS`. A refusal, or a run that fails
because of the circuit, answers 422 whose fields point into the protobuf, e.g.
`("proto_bytes", "pkg", "modules", "0", "instances", "2", "parameters", "0", "value")`.
`simulation_offer` tells a client what the server offers and the limits it enforces.

The input type admits only `kind: "sim_input"` (`SimInputBinary`), so the served schema says what
the handler takes: another kind is refused by decoding, as any field that does not fit.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

HDL21_EXTRA = "pip install 'cktgym-autockt-shared[hdl21]'"
"""What installs the Hdl21 side of this package (`autockt_shared.devices`, `autockt_shared.remote_sim`)."""

MAX_PROTO_BYTES = 8 * 1024 * 1024
"""Largest protobuf a call may carry (8 MiB: a SimInput of 10,000 devices is about 1.5 MiB)."""


class VlsirProtoBufKind(str, Enum):
    """Which VLSIR message `VlsirProtoBufBinary.proto_bytes` holds (names as CktGym named them)."""

    CKT_PACKAGE = "ckt_package"  # vlsir.circuit.Package
    SIM_INPUT = "sim_input"  # vlsir.spice.SimInput
    SIM_RESULT = "sim_result"  # vlsir.spice.SimResult


@dataclass(config=ConfigDict(extra="forbid"))
class VlsirProtoBufBinary:
    """A serialized VLSIR protobuf message and what kind of message it is."""

    kind: VlsirProtoBufKind
    proto_bytes: bytes = Field(max_length=MAX_PROTO_BYTES, description="the serialized message (base64 on the wire)")


@dataclass(config=ConfigDict(extra="forbid"))
class SimInputBinary:
    """A serialized VLSIR `SimInput`: what `simulate_on_the_server` takes (`VlsirProtoBufBinary`
    with its kind fixed, so that the schema admits nothing the handler refuses)."""

    proto_bytes: bytes = Field(max_length=MAX_PROTO_BYTES, description="the serialized vlsir.spice.SimInput (base64 on the wire)")
    kind: Literal["sim_input"] = "sim_input"
    corner: str = Field(
        default="tt",
        pattern=r"^[a-z]{2}$",
        description="the process corner whose models the server loads (one of simulation_offer's process_corners); "
        "temperature is the `temp` option and supply the circuit's own source",
    )


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class SandboxLimits:
    """What one `simulate_on_the_server` call may ask for. Past a circuit, netlist or analysis
    limit the call is refused (422) before anything is rendered; past a run-time limit the
    simulator is killed and the call is answered 422 too (the circuit caused it), naming the
    limit. The server keeps serving either way."""

    max_analyses: int = Field(default=3, description="analyses per simulation: at most one each of op, ac and tran")
    max_sweep_points: int = Field(default=100_000, description="points of an AC sweep: points per decade, and points per decade x decades")
    max_tran_points: int = Field(default=1_000_000, description="tstop / tstep of a transient analysis")
    max_instances: int = Field(default=10_000, description="device and primitive instances in the flattened circuit")
    max_signals: int = Field(default=10_000, description="nets (bus bits counted one each) in the flattened circuit")
    max_terminals: int = Field(
        default=100_000,
        description="connections in the flattened circuit: every bit of every port of every instance, subcircuit calls included",
    )
    max_netlist_bytes: int = Field(
        default=8 * 1024**2, description="the rendered netlist, counted from the protobuf before it is rendered (every module)"
    )
    max_hierarchy_depth: int = Field(default=16, description="module levels below the top, the top being level 0")
    max_name_length: int = Field(default=128, description="characters in a name (module names with their dotted Python path)")
    max_expression_length: int = Field(default=200, description="characters in a parameter expression")
    max_errors_reported: int = Field(default=20, description="refusals listed in one 422 answer")
    max_wall_clock_s: float = Field(
        default=60.0, description="wall-clock seconds of one simulation (the server's own timeout may be shorter)"
    )
    max_memory_bytes: int = Field(default=1024**3, description="address space of the simulator process")
    max_result_bytes: int = Field(
        default=MAX_PROTO_BYTES, description="size of the SimResult protobuf returned (it travels as a VlsirProtoBufBinary)"
    )
    max_file_bytes: int = Field(
        default=16 * 1024**2,
        description="size of any file the simulator writes (its raw results also hold device-internal nodes, which results leave out)",
    )


SANDBOX_LIMITS = SandboxLimits()
"""The limits every server of this package enforces; `simulation_offer` reports them."""


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class SimOption:
    """A simulator option a `SimInput` may set, and the range the server accepts (a number, both ends included)."""

    name: str
    low: float
    high: float
    unit: str
    desc: str


SIM_OPTIONS: tuple[SimOption, ...] = (
    SimOption("temp", -55.0, 150.0, "degC", "circuit temperature: the military range, where the card's temperature model holds"),
    SimOption("tnom", -55.0, 150.0, "degC", "nominal temperature of models that do not set their own"),
    SimOption("abstol", 1e-18, 1e-6, "A", "absolute current tolerance (ngspice: 1e-12)"),
    SimOption("reltol", 1e-9, 0.1, "", "relative tolerance (ngspice: 1e-3)"),
    SimOption("vntol", 1e-12, 1e-3, "V", "absolute voltage tolerance (ngspice: 1e-6)"),
    SimOption("chgtol", 1e-20, 1e-9, "C", "charge tolerance (ngspice: 1e-14)"),
    SimOption("trtol", 1.0, 100.0, "", "truncation error overestimate factor (ngspice: 7)"),
    SimOption("gmin", 1e-18, 1e-6, "S", "minimum conductance (ngspice: 1e-12)"),
    SimOption("pivtol", 1e-20, 1e-6, "", "smallest matrix pivot (ngspice: 1e-13)"),
    SimOption("pivrel", 1e-9, 1.0, "", "smallest pivot relative to its column (ngspice: 1e-3)"),
    SimOption("itl1", 10, 10_000, "", "DC iteration limit (ngspice: 100)"),
    SimOption("itl2", 10, 10_000, "", "DC transfer curve iteration limit (ngspice: 50)"),
    SimOption("itl4", 2, 1_000, "", "transient iteration limit per time point (ngspice: 10)"),
    SimOption("num_threads", 1, 1, "", "simulator threads: one per simulation, as the server sets it"),
)
"""Every option a client may set; out of its range, or not a plain number, it is refused (422 naming it)."""


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class DeviceParam:
    """A device parameter. With bounds, an instance must give a plain number within them (the
    models are characterised there, so the server can say which value is wrong before ngspice
    does); without, a number or an expression."""

    name: str
    default: Annotated[float, Field(description="value when an instance does not set it, in `unit`")]
    desc: str = ""
    unit: Annotated[str, Field(description="e.g. m, um (what the device takes), empty for a count")] = ""
    low: Annotated[float | None, Field(description="smallest value accepted, in `unit` (None: unbounded)")] = None
    high: Annotated[float | None, Field(description="largest value accepted, in `unit` (None: unbounded)")] = None
    integer: Annotated[bool, Field(description="whether the value must be a whole number")] = False


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class OfferedDevice:
    """A device a client may instantiate: in Hdl21, `autockt_shared.devices.offered_device(device)`."""

    name: Annotated[str, Field(description="the ExternalModule's name, which is also its SPICE model name")]
    spice_type: Annotated[str, Field(description="how ngspice instantiates it, e.g. MOS")]
    ports: tuple[str, ...]
    params: tuple[DeviceParam, ...]
    desc: str = ""


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class OfferedCorner:
    """One PVT condition of a corner set: a client simulates it with `corner=process`, the `temp`
    option at `temp_c` and its own supply at `vdd`."""

    name: str
    process: str
    vdd: Annotated[float, Field(description="supply, volts (at the PDK's nominal supply; a task may scale it)")]
    temp_c: Annotated[float, Field(description="temperature, degrees Celsius")]


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class OfferedCornerSet:
    name: str
    description: str
    corners: tuple[OfferedCorner, ...]


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class SimulationOffer:
    """What a server simulates for `simulate_on_the_server`, and within which limits: names,
    parameters and ranges, never a line of the model files."""

    simulator: str
    pdk: Annotated[str, Field(description="the PDK the server simulates with (start_server.py --pdk)")]
    process_corners: Annotated[tuple[str, ...], Field(description="what SimInputBinary.corner may name, the typical first")]
    corner_sets: Annotated[tuple[OfferedCornerSet, ...], Field(description="the PDK's named corner sets, at its nominal supply")]
    devices: tuple[OfferedDevice, ...]
    models: Annotated[tuple[str, ...], Field(description="names of the devices the server's model files define (no model text)")]
    primitives: Annotated[tuple[str, ...], Field(description="VLSIR primitives (`vlsir.primitives` domain) a circuit may use")]
    analyses: Annotated[tuple[str, ...], Field(description="VLSIR analysis kinds the server runs")]
    options: Annotated[tuple[SimOption, ...], Field(description="simulator options a SimInput may set: numbers within their ranges")]
    limits: SandboxLimits


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class OfferQuery:
    """`simulation_offer` takes no arguments."""


simulate_on_the_server = Rpc(
    name="simulate_on_the_server",
    input_type=SimInputBinary,
    return_type=VlsirProtoBufBinary,
    docstring="""Simulate a VLSIR SimInput with the server's ngspice and its PDK's device models at the
    process corner the call names (default tt); returns the VLSIR SimResult (kind sim_result). Checked by the server's sandbox first: refusals, and
    failures of the circuit itself (ngspice errors, run limits), answer 422 naming the part;
    past the server's share for generic simulations, 429 (this user) or 503 (the server);
    see simulation_offer for what is offered.""",
    idempotent=True,  # a resent simulation does no harm; not deterministic: user circuits are not cached
)

simulation_offer = Rpc(
    name="simulation_offer",
    input_type=OfferQuery,
    return_type=SimulationOffer,
    docstring="What simulate_on_the_server offers: the PDK, its process corners and corner sets, its devices and their parameters with units and ranges, primitives, analyses, options, limits; never model text.",
    idempotent=True,
)
