"""Benches of single transistors of a PDK, sized by netlist parameters, for the PDK tests.

`device_bench` holds an NMOS and a PMOS, each with gate and drain at the far rail (|Vgs| = |Vds|
= VDD, strong inversion), so that `drain_currents` reads how strong each device is at a corner.
Sizes are netlist parameters `wn`, `lgn`, `mn` (NMOS) and `wp`, `lgp` (PMOS), micrometres
(not `ln`: a function in ngspice's expressions).
"""

from __future__ import annotations

from collections.abc import Sequence

import hdl21 as h
import hdl21.sim as hs

from autockt_ckt.engine import Bench, SimResult
from autockt_ckt.pdks import Corner, MosSize, Pdk

SIZES = {"wn": 4.0, "lgn": 0.5, "mn": 1, "wp": 8.0, "lgp": 0.5}
"""Placeholder values: every run sets them."""


def device_bench(pdk: Pdk, corner: Corner, *, nf: int = 1, models: Sequence[hs.SimAttr] | None = None) -> Bench:
    """NMOS (`nf` fingers) and PMOS of `pdk` at `corner`, each biased on its own by the supply;
    `models` replace the corner's model files if given."""
    tb = h.Module(name=f"devices_{pdk.name}_{corner.name.replace('.', 'p').replace('-', 'm')}_nf{nf}")
    tb.VSS = h.Port()
    tb.VDD = h.Signal()
    tb.vdd = h.Vdc(dc=corner.vdd)(p=tb.VDD, n=tb.VSS)
    tb.vn = h.Vdc(dc=0)(p=tb.VDD, n=tb.add(h.Signal(name="nd")))  # an ammeter into the NMOS drain
    tb.vp = h.Vdc(dc=0)(p=tb.add(h.Signal(name="pd")), n=tb.VSS)  # out of the PMOS drain
    tb.mn = pdk.nmos(MosSize(w="wn", l="lgn", nf=nf, m="mn"))(d=tb.nd, g=tb.VDD, s=tb.VSS, b=tb.VSS)
    tb.mp = pdk.pmos(MosSize(w="wp", l="lgp"))(d=tb.pd, g=tb.VSS, s=tb.VDD, b=tb.VDD)
    sim = hs.Sim(
        tb=tb,
        attrs=[
            *(pdk.corner_attrs(corner) if models is None else models),
            *(hs.Param(name=p, val=v) for p, v in SIZES.items()),
            hs.Op(name="op"),
        ],
    )
    return Bench(name=tb.name, sim=sim, params=tuple(SIZES), ngbehavior=pdk.ngbehavior)


def drain_currents(result: SimResult) -> tuple[float, float]:
    """(NMOS, PMOS) drain current magnitudes, amperes."""
    op = result.op()
    return op["i(v.xtop.vvn)"], op["i(v.xtop.vvp)"]
