"""
# A PDK's transistors as the primitives of its Hdl21 PDK package, sized by a `MosSize`

gf180-hdl21 and sky130-hdl21 each offer their transistors as primitives (external modules of
the PDK's device subcircuits) that take the package's `MosParams` (w, l, nf, m, given as netlist
literals). A PDK here sizes every device in micrometres, each size a number or a netlist
expression (`MosSize`); the packages differ only in the unit their devices take, sky130's
micrometres and gf180mcu's metres. So a kit names a primitive and that unit, and the sizing is
written once, here.
"""

from __future__ import annotations

from dataclasses import dataclass

import hdl21 as h

from .pdk import MosSize


@dataclass(frozen=True)
class PrimitiveMos:
    """A PDK's `MosFactory`: `primitive`, an Hdl21 PDK package's transistor, sized by a `MosSize`
    in its package's `MosParams` (the primitive's `paramtype`). `in_metres`: the devices take
    metres (a size's micrometres times 1e-6), else micrometres as they are. A multiplier given
    as a string is a netlist expression, as sizes given as strings are."""

    primitive: h.ExternalModule
    in_metres: bool

    def __call__(self, size: MosSize) -> h.Instantiable:
        m = size.m if isinstance(size.m, int) else h.Literal(size.m)
        return self.primitive(self.primitive.paramtype(w=self._length(size.w), l=self._length(size.l), nf=size.nf, m=m))

    def _length(self, micrometres: float | str) -> h.Literal:
        """A width or length (micrometres: a number or a netlist expression) in the devices' unit."""
        if isinstance(micrometres, int | float):
            return h.Literal(f"{micrometres!r}e-6" if self.in_metres else repr(micrometres))
        return h.Literal(f"({micrometres})*1e-6" if self.in_metres else f"({micrometres})")
