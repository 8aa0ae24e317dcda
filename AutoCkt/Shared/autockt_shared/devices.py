"""
# The server's devices, to name in an Hdl21 circuit simulated on the server

Any server's devices, as `simulation_offer` lists them: `offered_device(device)` is the Hdl21
`ExternalModule` of one (its name, ports and the parameters the server accepts, with their
defaults), so a client needs no PDK package; the server checks each value against the offered
range. The 45 nm card's bulk `nmos` and `pmos` are also here as they always were: ports d, g, s,
b and the parameters `MosParams` (W = 0.5 um, L = 90 nm, multiplier m by default). This module
holds no model text: the server adds its own models to every simulation, so a circuit names the
devices and the models stay on the server. Needs the `hdl21` extra:
`pip install 'cktgym-autockt-shared[hdl21]'`.

```python
import hdl21 as h
from autockt_shared.devices import MosParams, nmos

@h.module
class Inverter:
    VDD, VSS, inp, out = h.Signals(4)
    n = nmos(MosParams(m=4))(d=out, g=inp, s=VSS, b=VSS)

offer = simulation_offer(OfferQuery())  # e.g. on a gf180mcu server
nfet = offered_device(next(d for d in offer.devices if d.name == "nfet_03v3"))
n = nfet(w=2e-6, l=0.5e-6, m=2)(d=out, g=inp, s=VSS, b=VSS)  # in the units the offer gives
```
"""

from functools import cache

from .vlsir_sim import HDL21_EXTRA, OfferedDevice

try:
    import hdl21 as h
    from hdl21.external_module import SpiceType
    from hdl21.prefix import NANO, µ
except ImportError as err:
    raise ImportError(f"autockt_shared.devices needs Hdl21: {HDL21_EXTRA}") from err

MOS_PORTS = ("d", "g", "s", "b")


@h.paramclass
class MosParams:
    w = h.Param(dtype=h.Scalar, desc="Width (m)", default=0.5 * µ)
    l = h.Param(dtype=h.Scalar, desc="Length (m)", default=90 * NANO)  # noqa: E741  (Hdl21's MOS parameter name)
    m = h.Param(dtype=h.Scalar, desc="Multiplier: a number or a netlist-parameter expression", default=1)


def _mos(name: str) -> h.ExternalModule:
    return h.ExternalModule(
        name=name,
        desc=f"45 nm bulk {name.upper()}, SPICE model `{name}`",
        port_list=[h.Inout(name=port) for port in MOS_PORTS],
        paramtype=MosParams,
        spicetype=SpiceType.MOS,
    )


nmos = _mos("nmos")
pmos = _mos("pmos")

DEVICES: tuple[h.ExternalModule, ...] = (nmos, pmos)
"""Every device the server offers; its model file defines a SPICE model of each one's name."""


@cache
def offered_device(device: OfferedDevice) -> h.ExternalModule:
    """The Hdl21 module of a device a server offers (one per device, as Hdl21 wants one module
    per name in a package)."""
    params = h.paramclass(
        type(f"{device.name}_params", (), {p.name: h.Param(dtype=h.Scalar, desc=p.desc, default=p.default) for p in device.params})
    )
    return h.ExternalModule(
        name=device.name,
        desc=device.desc,
        port_list=[h.Inout(name=port) for port in device.ports],
        paramtype=params,
        spicetype=SpiceType[device.spice_type],
    )
