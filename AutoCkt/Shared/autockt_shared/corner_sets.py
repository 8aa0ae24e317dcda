"""
# The corner sets a client may name, per PDK, and what one design costs at each

A PVT circuit's input names the corner set to simulate a design at. The names are a `Literal`
(so that pydantic refuses an unknown one naming the choices, and the JSON schema lists them)
and each set's size is what the design costs there: its Rpc's `cost` (`CornerSetChoice.cost`),
by which a Discovery client bounds its batch requests (`Config.max_batch_cost`), since a design
at 17 corners takes 17 times a nominal one's time. Both are declared here once per PDK, beside each other and checked against
each other, for every circuit of that PDK; the server checks the sizes against its PDK registry
(`autockt_ckt.pdks`, in tests/pdks/test_registry.py), which this package cannot import.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal, get_args

import pydantic

CORNER_SET_FIELD = "corner_set"
"""The option field of a PVT circuit's input that names its corner set (`CornerSetChoice.field`)."""

CORNERS_FIELD = "corners"
"""The field of a PVT circuit's answer holding each corner's metrics, by corner name, in the set's order."""

Gf180mcuCornerSet = Literal["ppaas", "tt"]
"""gf180mcu's corner sets: PPAAS's 17, or the typical corner alone."""
Sky130CornerSet = Literal["ppaas", "tt"]
"""sky130's corner sets: PPAAS's 9, or the typical corner alone."""


@dataclasses.dataclass(frozen=True)
class CornerSetChoice:
    """A PDK's corner sets as a circuit's input offers them: `names` (a `Literal`), the `default`,
    and the `simulations` a design costs at each."""

    pdk: str
    names: Any
    default: str
    simulations: Mapping[str, int]

    def __post_init__(self) -> None:
        if set(get_args(self.names)) != set(self.simulations) or self.default not in self.simulations:
            raise ValueError(
                f"{self.pdk}: the corner sets {sorted(get_args(self.names))} need a size each, and the default "
                f"{self.default!r} among them; got sizes for {sorted(self.simulations)}"
            )
        if any(count < 1 for count in self.simulations.values()):
            raise ValueError(f"{self.pdk}: every corner set has at least one corner; got {dict(self.simulations)}")

    def cost(self, inp: Any) -> int:
        """An input's `Rpc.cost`: the simulations its design takes at the corner set it names."""
        return self.simulations[inp.corner_set]

    def field(self) -> Any:
        """The input's option field `CORNER_SET_FIELD` naming its corner set (typed `names`), the sizes
        and the PDK in its JSON schema: a client tells a circuit's PDK from it (two PDKs' names may be equal)."""
        sizes = " or ".join(f"`{name}` ({count})" for name, count in self.simulations.items())
        return pydantic.Field(
            default=self.default,
            description=f"the corners to simulate at: {sizes}",
            json_schema_extra={"option": True, "simulations": dict(self.simulations), "pdk": self.pdk},
        )


GF180MCU = CornerSetChoice("gf180mcu", Gf180mcuCornerSet, "ppaas", {"ppaas": 17, "tt": 1})
SKY130 = CornerSetChoice("sky130", Sky130CornerSet, "ppaas", {"ppaas": 9, "tt": 1})
