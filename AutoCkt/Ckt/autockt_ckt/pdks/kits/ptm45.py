"""
# ptm45: the project's own 45 nm BSIM4 card, the default PDK

The card shipped in this package (`models/ptm45_bulk_bsim4.sp`, PTM 45 nm bulk figures, what
the AutoCkt benchmark uses), or whatever `AUTOCKT_MODEL_PATH` names. Its devices are the ones
clients name too (`autockt_shared.devices`): fixed W = 0.5 um, L = 90 nm, sized by the
multiplier `m` alone. One process corner (the card is typical only), so its corner sets are
`tt` alone; ngspice parses it in its default mode, as it always has.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import hdl21 as h
import hdl21.sim as hs

from autockt_shared.devices import MosParams, nmos, pmos

from ...settings import model_path_from_env
from ..pdk import MosSize, Pdk, ProcessCorner, Speed

W_UM, L_UM = 0.5, 0.09
"""The card's one device size, micrometres."""


def _device(device: h.ExternalModule, size: MosSize) -> h.Instantiable:
    if (size.w, size.l, size.nf) != (W_UM, L_UM, 1):
        raise ValueError(f"ptm45 devices are W = {W_UM} um, L = {L_UM} um, nf = 1, sized by m alone; got {size}")
    return device(MosParams(m=h.Literal(size.m) if isinstance(size.m, str) else size.m))  # type: ignore[call-arg]  # an hdl21 paramclass


def models(process: ProcessCorner) -> Sequence[hs.SimAttr]:
    return [hs.Include(model_path_from_env())]


def model_files() -> Sequence[Path]:
    return [model_path_from_env()]


PDK = Pdk(
    name="ptm45",
    description="the project's 45 nm BSIM4 card (PTM 45 nm bulk figures), or AUTOCKT_MODEL_PATH; devices nmos / pmos, W 0.5 um, L 90 nm",
    processes=(ProcessCorner("typical", Speed.TYPICAL, Speed.TYPICAL),),
    nominal_vdd=1.2,
    nmos=lambda size: _device(nmos, size),
    pmos=lambda size: _device(pmos, size),
    models=models,
    model_files=model_files,
)
