"""
# The process design kit: one NMOS and one PMOS, as SPICE models defined outside Hdl21

Devices are netlisted as SPICE `M` elements of models `nmos` and `pmos`, which the model
card (`Settings.model_path`) defines. Every device is W = 0.5 um, L = 90 nm; size is set
with the multiplier `m`, which may be a netlist-parameter expression such as `"mp1"`.
"""

import hdl21 as h
from hdl21.external_module import SpiceType
from hdl21.prefix import NANO, µ


@h.paramclass
class MosParams:
    w = h.Param(dtype=h.Scalar, desc="Width (m)", default=0.5 * µ)
    l = h.Param(dtype=h.Scalar, desc="Length (m)", default=90 * NANO)
    m = h.Param(dtype=h.Scalar, desc="Multiplier: a number or a netlist-parameter expression", default=1)


def _mos(name: str) -> h.ExternalModule:
    return h.ExternalModule(
        name=name,
        desc=f"45 nm bulk {name.upper()}, SPICE model `{name}`",
        port_list=[h.Inout(name=port) for port in ("d", "g", "s", "b")],
        paramtype=MosParams,
        spicetype=SpiceType.MOS,
    )


nmos = _mos("nmos")
pmos = _mos("pmos")


def sized(device: h.ExternalModule, m: str) -> h.ExternalModuleCall:
    """`device` with multiplier `m`, a netlist-parameter expression evaluated by the simulator."""
    return device(MosParams(m=h.Literal(m)))
