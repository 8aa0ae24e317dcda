"""
# A sized design as SPICE files, rendered by the server that simulated it: `design_netlist`

A design leaves the project as netlists a designer runs in their own ngspice: the circuit as a
standalone subcircuit (`NAME.sp`, the PDK's own device names, every size inlined) and, per
corner the design was evaluated at, a testbench that runs the server's analyses and prints
each metric as `name = value` (`NAME_tb.sp` for a nominal circuit, `NAME_tb_<corner>.sp` for
each corner of a PVT one). Only the server knows its benches, its PDK and the model file each
corner loads, so it renders them, and a client needs no circuit package to get them.

No model text is sent: each testbench has one model line naming the file the server used (the
shipped 45 nm card by its path; a PDK's library by its file name and section, for the designer to
point at their own copy, the comment above it saying what the server's copy adds), and, where the
PDK's models need ngspice's compatibility mode, a `.spiceinit` among the files sets it for
`ngspice -b` run in their directory.

A design is checked as the circuit's own input: an unknown circuit, corner set or design
parameter, a missing or out-of-range one, answers 422 naming the field (`design.wp1`).
"""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

NOMINAL = "nominal"
"""The one condition of a circuit without corner sets (the PDK's card at 27 C): its corner's and corner set's name."""


@dataclass(config=ConfigDict(extra="forbid", allow_inf_nan=False))
class DesignNetlistQuery:
    """Which circuit, which design of it, and at which corners."""

    circuit: str = Field(description="the circuit's name, e.g. `two_stage_opamp` or `ppaas_tsa`")
    design: dict[str, float] = Field(description="every design parameter by name, as the circuit's simulation Rpc takes them")
    corner_set: str | None = Field(
        default=None,
        description="a PVT circuit's corner set (default: its simulation Rpc's default); must be left out for a nominal circuit",
    )


@dataclass(config=ConfigDict(extra="forbid"))
class NetlistFile:
    """One file to write, by its name in the design's directory."""

    name: str
    text: str


@dataclass(config=ConfigDict(extra="forbid"))
class CornerTestbench:
    """The testbench of one corner, and the conditions it sets."""

    corner: str = Field(description="the corner's name, e.g. `ff_3.6V_-40C`, or `nominal`")
    testbench: str = Field(description="the name of its file among `DesignNetlist.files`")
    model_file: str = Field(description="the model file its one `.include` / `.lib` line names")
    section: str | None = Field(description="the library section it loads (`.lib FILE SECTION`); None for an `.include`")
    vdd: float | None = Field(description="the supply it sets (V); None: the bench's own fixed supply")
    temperature_c: float = Field(description="the temperature it simulates at (degrees C)")


@dataclass(config=ConfigDict(extra="forbid"))
class DesignNetlist:
    """The files of a design: its subcircuit, one testbench per corner, and any `.spiceinit` they need."""

    circuit: str
    pdk: str
    corner_set: str
    """The corner set rendered, or `nominal`."""
    subcircuit_name: str
    """The subcircuit's name inside its file."""
    subcircuit_file: str
    corners: list[CornerTestbench]
    files: list[NetlistFile]
    """Every file, the subcircuit's first."""
    metrics: list[str]
    """The names each testbench prints, in order."""


design_netlist = Rpc(
    name="design_netlist",
    input_type=DesignNetlistQuery,
    return_type=DesignNetlist,
    docstring="""A design of a circuit as SPICE files: its subcircuit, sizes inlined, and per corner of the
    set a testbench that runs the server's analyses with `ngspice -b` and prints each metric, naming the
    model file the server used (no model text). A circuit of another PDK than the server's answers 404.""",
    deterministic=True,
)
