"""
# Sizing a PVT circuit at a corner set: which sets a circuit has, and a design checked at each corner

A circuit simulated at PVT corners takes the corner set as an option field of its input
(`corner_set`, e.g. `ppaas_tsa`'s `ppaas` or `tt`) and answers each corner's metrics and their
worst case, which is what its optimizers size for and its environments observe
(`CircuitOptimization.metrics_field`). The sets a circuit offers are its input type's own choices,
so a client (sizing, an environment, training, validation) refuses an unknown one (naming
`corner_set`) before anything is simulated, and refuses any set for a nominal circuit, which
simulates at one condition; a `Simulator` made with `corner_options` sends the set with every
design. A sized design is then reported at every corner of its set: its metrics there and each
spec met or short, so that a designer sees where it falls short.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

from autockt_shared import CircuitOptimization
from autockt_shared.corner_sets import CORNER_SET_FIELD

from .specs import InputError


def corner_set_names(optimization: CircuitOptimization[Any, Any]) -> tuple[str, ...]:
    """The corner sets `optimization`'s input accepts, its default first; () for a nominal circuit."""
    field = optimization.input_type.__pydantic_fields__.get(CORNER_SET_FIELD)
    if field is None:
        return ()
    names = tuple(str(name) for name in typing.get_args(field.annotation))
    return (field.default, *(name for name in names if name != field.default))


def checked_corner_set(optimization: CircuitOptimization[Any, Any], corner_set: str | None) -> str | None:
    """The corner set a client simulates at: `corner_set`, else the circuit's default; None for a nominal
    circuit. `InputError` at `corner_set` for a set the circuit does not have, or any set of a nominal one."""
    names = corner_set_names(optimization)
    if not names:
        if corner_set is not None:
            raise InputError(CORNER_SET_FIELD, f"{optimization.name} simulates at one nominal condition: it has no corner sets")
        return None
    if corner_set is None:
        return names[0]
    if corner_set not in names:
        raise InputError(CORNER_SET_FIELD, f"{optimization.name} has no corner set {corner_set!r}; choose one of {', '.join(names)}")
    return corner_set


def recorded_corner_set(optimization: CircuitOptimization[Any, Any], corner_set: str | None) -> str | None:
    """`corner_set` checked as `checked_corner_set` does, as a training run records it: None for the circuit's
    default set, so that naming the default is the same run as not naming it, or as a run recorded before
    environments could choose."""
    checked = checked_corner_set(optimization, corner_set)
    return None if checked == checked_corner_set(optimization, None) else checked


def corner_options(corner_set: str | None) -> dict[str, str]:
    """The option fields a `Simulator` sends with every design to simulate at a checked `corner_set`; none for a
    nominal circuit."""
    return {} if corner_set is None else {CORNER_SET_FIELD: corner_set}


def corner_count(optimization: CircuitOptimization[Any, Any], corner_set: str | None) -> int:
    """How many corners a design has at `corner_set` (checked as `checked_corner_set` does): 1 for a nominal circuit."""
    checked = checked_corner_set(optimization, corner_set)
    if checked is None:
        return 1
    extra = optimization.input_type.__pydantic_fields__[CORNER_SET_FIELD].json_schema_extra
    return int(extra["simulations"][checked])


@dataclasses.dataclass(frozen=True)
class CornerFigures:
    """A design at one corner: its metrics and, per spec, its relative error against the target (positive:
    better than the target, whatever the spec's sense)."""

    name: str
    metrics: dict[str, float]
    relative_errors: dict[str, float]

    @property
    def shortfalls(self) -> dict[str, float]:
        """The specs missed at this corner, each by how much (a positive fraction of the target)."""
        return {spec: -error for spec, error in self.relative_errors.items() if error < 0}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metrics": self.metrics,
            "specs": {spec: {"relative_error": error, "met": error >= 0} for spec, error in self.relative_errors.items()},
        }


def corner_figures(
    optimization: CircuitOptimization[Any, Any], per_corner: Mapping[str, Mapping[str, float]], target: Mapping[str, float]
) -> tuple[CornerFigures, ...]:
    return tuple(
        CornerFigures(name, dict(metrics), {m.name: m.error(metrics[m.name], target[m.name]) for m in optimization.metrics})
        for name, metrics in per_corner.items()
    )
