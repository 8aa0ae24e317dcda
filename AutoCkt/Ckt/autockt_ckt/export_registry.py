"""
# Which circuits a design of can leave the server as SPICE, and how: one module per circuit in `exports/`

A circuit is exportable once a `.control` block computes its metrics in ngspice exactly as the
server computes them from its results (`Exportable.measurements`), and the export knows its bench at
each corner it is evaluated at (`Exportable.corner_benches`). Each module of `autockt_ckt.exports`
registers its circuits; `exportable()` imports them all, as `served_circuits()` does the circuits.
Any other circuit is refused (`ExportRefused`) rather than exported with a testbench that would
print something else.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from autockt_shared import circuit_optimization
from autockt_shared.corner_sets import CORNER_SET_FIELD
from autockt_shared.design_netlist import NOMINAL

from .corner_serving import corner_circuit
from .engine import Bench
from .pdks import pdk
from .served import served_circuits
from .settings import Settings

NOMINAL_TEMPERATURE_C = 27.0
"""ngspice's default temperature, at which every nominal bench simulates (none sets another)."""


class ExportRefused(ValueError):
    """The design cannot be exported faithfully; the message says why."""


class UnknownCornerSet(ValueError):
    """The circuit has no such corner set (or, a nominal circuit, none at all); the message names its choices."""


@dataclasses.dataclass(frozen=True)
class CornerBench:
    """The bench a corner simulates with, and the run-time values that put it at that corner."""

    corner: str
    bench: Bench
    conditions: Mapping[str, float]
    """Netlist parameters besides the design's (a PVT bench's supply and temperature), inlined like them."""
    vdd: float | None
    temperature_c: float
    sourced: Sequence[Bench] = ()
    """The circuit's other benches at this corner, for metrics computed from several netlists (the LDO's
    large-signal and AC benches): each written without a `.control` block to its `sourced_file`, which the
    testbench's block loads (`source`) and runs after its own bench."""


def sourced_file(bench: Bench, at: CornerBench) -> str:
    """The file of a bench the testbench of `at` sources (`CornerBench.sourced`)."""
    return f"{bench.name}_tb.sp" if at.corner == NOMINAL else f"{bench.name}_tb_{at.corner}.sp"


CornerBenches = Callable[[Settings, str | None], Sequence[CornerBench]]
"""Given the server's settings and a corner set (None: a nominal circuit's one condition, or a PVT circuit's
default set), each corner's bench; `UnknownCornerSet` naming the choices for a set the circuit does not have."""


@dataclasses.dataclass(frozen=True)
class Exportable:
    """How a circuit is exported: the `.control` block that prints a corner's metrics, and its benches."""

    measurements: Callable[[CornerBench], str]
    """The block for one corner's bench (its supply and temperature at hand, for metrics defined by them)."""
    corner_benches: CornerBenches
    netlist_values: Callable[[Any], Mapping[str, float]] | None = None
    """The bench's netlist parameters of a design (the Rpc's validated input), where they are not the
    Rpc's parameters by name (a flip-flop's two latches, `l1.w1` netlisted as `l1_w1`)."""


_EXPORTABLE: dict[str, Exportable] = {}


def register(circuit: str, exportable: Exportable) -> None:
    if circuit in _EXPORTABLE:
        raise ValueError(f"circuit {circuit!r} is registered for export twice")
    _EXPORTABLE[circuit] = exportable


def exportable() -> dict[str, Exportable]:
    """Every exportable circuit, by name, after importing each module of `autockt_ckt.exports`."""
    from . import exports

    for module in pkgutil.iter_modules(exports.__path__):
        importlib.import_module(f"{exports.__name__}.{module.name}")
    return dict(sorted(_EXPORTABLE.items()))


def refuse_unexportable(circuit: str) -> Exportable:
    """`circuit`'s export, or `ExportRefused` for one whose testbench cannot print its metrics yet."""
    found = exportable()
    if circuit not in found:
        raise ExportRefused(
            f"circuit {circuit!r} cannot be exported yet: no SPICE testbench of it computes its metrics as the server does "
            f"(exportable: {', '.join(found)})"
        )
    return found[circuit]


def default_corner_set(circuit: str) -> str:
    """The corner set a PVT circuit's simulation Rpc simulates at when the call names none."""
    default = circuit_optimization(circuit).input_type.__pydantic_fields__[CORNER_SET_FIELD].default
    return str(default)


def corner_circuit_benches(circuit: str) -> CornerBenches:
    """A PVT circuit's bench at each corner of a set (default: its Rpc's), as its `CornerCircuit` runs them."""

    def benches(settings: Settings, corner_set: str | None) -> Sequence[CornerBench]:
        served_circuits()  # imports the circuit's module, which registers its CornerCircuit
        at = corner_circuit(circuit)
        try:
            corners = at.corners(corner_set or default_corner_set(circuit))
        except KeyError as err:
            raise UnknownCornerSet(err.args[0]) from None
        kit = pdk(at.pdk)
        return tuple(CornerBench(c.name, at.bench(kit, c.process), {"supply": c.vdd, "temp_c": c.temp_c}, c.vdd, c.temp_c) for c in corners)

    return benches


def nominal_benches(circuit: str) -> CornerBenches:
    """A nominal circuit's bench, at ngspice's default temperature: its first, any others sourced by its testbench."""

    def benches(settings: Settings, corner_set: str | None) -> Sequence[CornerBench]:
        if corner_set is not None:
            raise UnknownCornerSet(f"{circuit} simulates at one nominal condition and has no corner sets")
        bench, *others = served_circuits()[circuit].benches(settings)
        return (CornerBench(NOMINAL, bench, {}, None, NOMINAL_TEMPERATURE_C, tuple(others)),)

    return benches
