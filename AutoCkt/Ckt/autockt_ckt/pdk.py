"""
# The process design kit: one NMOS and one PMOS, as SPICE models defined outside Hdl21

Devices are netlisted as SPICE `M` elements of models `nmos` and `pmos`, which the model
card (`Settings.model_path`) defines. Every device is W = 0.5 um, L = 90 nm; size is set
with the multiplier `m`, which may be a netlist-parameter expression such as `"mp1"`.
The devices are those clients name too (`autockt_shared.devices`), so the served op-amps
and a client's own circuits instantiate the very same external modules.
"""

import hdl21 as h

from autockt_shared.devices import MosParams, nmos, pmos

__all__ = ["MosParams", "nmos", "pmos", "sized"]


def sized(device: h.ExternalModule, m: str) -> h.ExternalModuleCall:
    """`device` with multiplier `m`, a netlist-parameter expression evaluated by the simulator."""
    return device(MosParams(m=h.Literal(m)))  # type: ignore[call-arg]  # an hdl21 paramclass: hdl21 has no type information
