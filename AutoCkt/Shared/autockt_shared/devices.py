"""
# The server's devices, to name in an Hdl21 circuit simulated on the server

The 45 nm bulk `nmos` and `pmos`, as Hdl21 `ExternalModule`s: ports d, g, s, b and the
parameters `MosParams` (W = 0.5 um, L = 90 nm, multiplier m by default). This module holds no
model text: the server adds its own model file to every simulation, so a circuit names
the devices and the models stay on the server. Needs the `hdl21` extra:
`pip install 'cktgym-autockt-shared[hdl21]'`.

```python
import hdl21 as h
from autockt_shared.devices import MosParams, nmos

@h.module
class Inverter:
    VDD, VSS, inp, out = h.Signals(4)
    n = nmos(MosParams(m=4))(d=out, g=inp, s=VSS, b=VSS)
```
"""

from .vlsir_sim import HDL21_EXTRA

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
