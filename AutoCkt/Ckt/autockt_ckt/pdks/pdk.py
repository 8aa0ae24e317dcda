"""
# What a PDK is to the server: model files per process corner, devices, named corner sets

A `Pdk` is registered by constructing it (one module per PDK in this package); a `CornerSet`
likewise, by constructing it for its PDK. Circuits ask `pdk(name)` for everything else, so a
PDK is independent of the circuits that use it and a circuit never names a model file.

A PDK's core devices are `nmos` / `pmos`; a PDK may offer further device families by name
(`devices`: sky130's 5 V `nmos_5v` / `pmos_5v`), which a circuit asks for with `device(name)`,
so that a circuit of another supply range needs no PDK of its own.

A `Corner` is one simulated condition: a process section x a supply x a temperature. Only the
section changes the models ngspice loads (a reload of the netlist); supply and
temperature are values in the netlist. A `ProcessCorner` names its section by the direction
its NMOS and PMOS actually move against the typical section, as measured
(`tests/pdks/test_corner_directions.py`): sky130's section `sf` is fast-N / slow-P, so it is
process corner `fs` here, the opposite of its file's comment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import hdl21 as h
import hdl21.sim as hs

if TYPE_CHECKING:
    from .wheel import WheelData


class Speed(str, Enum):
    """Which way a process section moves a device's drain current against the typical section."""

    TYPICAL = "t"
    FAST = "f"
    SLOW = "s"


@dataclass(frozen=True)
class ProcessCorner:
    """A model section of a PDK's library, named by the measured speed of its NMOS, then PMOS."""

    section: str
    """The section's name in the PDK's own library file (`.lib <file> <section>`)."""
    nmos: Speed
    pmos: Speed

    @property
    def name(self) -> str:
        """`tt`, `ff`, `ss`, `fs` (fast NMOS, slow PMOS) or `sf`: the convention, whatever the file calls it."""
        return self.nmos.value + self.pmos.value


@dataclass(frozen=True)
class Corner:
    """One PVT condition: what a design's metrics are evaluated at."""

    process: ProcessCorner
    vdd: float
    """Supply, volts."""
    temp_c: float
    """Temperature, degrees Celsius (ngspice's `temp`; the models' `tnom` stays theirs)."""

    @property
    def name(self) -> str:
        """E.g. `ff_3.6V_-40C`: unique within a corner set, readable in logs and on the wire."""
        return f"{self.process.name}_{self.vdd:g}V_{self.temp_c:g}C"


@dataclass(frozen=True)
class MosSize:
    """A transistor's size as the circuits give it, W and L in micrometres whatever units the
    PDK's devices take (each PDK converts), each a number or a netlist-parameter expression (a
    string such as `"wn1"`, so that a bench is elaborated once; not `ln`, a function in ngspice)."""

    w: float | str
    l: float | str  # noqa: E741  (the devices' parameter name)
    nf: int = 1
    m: int | str = 1


MosFactory = Callable[[MosSize], h.Instantiable]
"""A PDK's NMOS or PMOS device of a given size, as an Hdl21 module call to instantiate."""


_PDKS: dict[str, Pdk] = {}
_CORNER_SETS: dict[tuple[str, str], CornerSet] = {}


@dataclass(frozen=True, eq=False)
class Pdk:
    """One process design kit: its devices and, per process corner, the model file lines.

    `models(process)` are the simulation attributes that load the models of one process
    corner (a `.lib` of a single-section file, or an `.include`); `ngbehavior` is the
    compatibility mode ngspice must parse them in (`set ngbehavior=...` before loading,
    None: ngspice's default). `wheel` says where an install gets the files, for the PDKs
    that are not shipped in this package.
    """

    name: str
    description: str
    processes: Sequence[ProcessCorner]
    """Every process corner, the typical one first."""
    nominal_vdd: float
    nmos: MosFactory
    pmos: MosFactory
    models: Callable[[ProcessCorner], Sequence[hs.SimAttr]]
    model_files: Callable[[], Sequence[Path]]
    """Every file the models read: their content is what the results depend on (the result cache's key)."""
    ngbehavior: str | None = None
    wheel: WheelData | None = field(default=None, repr=False)
    devices: Mapping[str, MosFactory] = field(default_factory=dict)
    """Device families beyond the core `nmos` / `pmos`, by the name `device` takes (e.g. `nmos_5v`)."""

    def __post_init__(self) -> None:
        if self.name in _PDKS:
            raise ValueError(f"PDK {self.name!r} is registered twice")
        if {"nmos", "pmos"} & set(self.devices):
            raise ValueError(f"PDK {self.name!r}: `nmos` and `pmos` are its core devices, not among `devices`")
        _PDKS[self.name] = self

    @property
    def device_names(self) -> tuple[str, ...]:
        """Every device family the PDK offers: `nmos`, `pmos`, then `devices`' in their order."""
        return ("nmos", "pmos", *self.devices)

    def device(self, name: str) -> MosFactory:
        """The device family `name` (`nmos`, `pmos` or one of `devices`); `KeyError` naming the choices."""
        families = {"nmos": self.nmos, "pmos": self.pmos, **self.devices}
        if name not in families:
            raise KeyError(f"PDK {self.name!r} has no device {name!r}; it has {list(self.device_names)}")
        return families[name]

    def corner_attrs(self, corner: Corner) -> list[hs.SimAttr]:
        """What a bench fixed at `corner` needs besides its supply (a source of the testbench's
        own): the section's models and the temperature. A bench that serves every corner of a
        section takes `models(process)` and its temperature at run time (`Bench.temperature`)."""
        return [*self.models(corner.process), hs.Options(name="temp", value=corner.temp_c)]

    @property
    def typical(self) -> ProcessCorner:
        return self.processes[0]

    def process(self, name: str) -> ProcessCorner:
        """The process corner named `name` (`tt`, `ff`, `ss`, `fs`, `sf`)."""
        for process in self.processes:
            if process.name == name:
                return process
        raise KeyError(f"PDK {self.name!r} has no process corner {name!r}; it has {[p.name for p in self.processes]}")

    def corner_set(self, name: str, vdd: float | None = None) -> tuple[Corner, ...]:
        """The corners of set `name` at supply `vdd` (default: the PDK's nominal supply; a task
        may run a PDK at another, e.g. PPAAS's LDO on sky130 at 2.0 V). `tt` is every PDK's
        set of one corner: the typical section at that supply and 27 degrees C."""
        supply = self.nominal_vdd if vdd is None else vdd
        if name == "tt":
            return (Corner(self.typical, supply, 27.0),)
        if (self.name, name) not in _CORNER_SETS:
            raise KeyError(f"PDK {self.name!r} has no corner set {name!r}; it has {corner_set_names(self.name)}")
        return _CORNER_SETS[self.name, name].corners(self, supply)


@dataclass(frozen=True, eq=False)
class CornerSet:
    """A named set of corners of one PDK, built at the supply a task runs at."""

    pdk: str
    name: str
    description: str
    build: Callable[[Pdk, float], Sequence[Corner]]

    def __post_init__(self) -> None:
        if self.name == "tt" or (self.pdk, self.name) in _CORNER_SETS:
            raise ValueError(f"corner set {self.name!r} of PDK {self.pdk!r} is registered twice ('tt' is every PDK's own)")
        _CORNER_SETS[self.pdk, self.name] = self

    def corners(self, pdk: Pdk, vdd: float) -> tuple[Corner, ...]:
        corners = tuple(self.build(pdk, vdd))
        names = [corner.name for corner in corners]
        if len(set(names)) != len(names):
            raise ValueError(f"corner set {self.name!r} of {self.pdk!r} repeats a corner: {names}")
        return corners


def registered_pdk(name: str) -> Pdk | None:
    return _PDKS.get(name)


def registered_pdk_names() -> list[str]:
    return sorted(_PDKS)


def corner_set_description(pdk: str, name: str) -> str:
    """What corner set `name` of `pdk` holds, in words (`tt`: every PDK's one typical corner)."""
    if name == "tt":
        return "the typical corner at the nominal supply and 27 C"
    return _CORNER_SETS[pdk, name].description


def corner_set_names(pdk: str) -> list[str]:
    return ["tt", *sorted(name for owner, name in _CORNER_SETS if owner == pdk)]
