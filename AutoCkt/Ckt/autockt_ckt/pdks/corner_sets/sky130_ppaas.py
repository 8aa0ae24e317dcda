"""
# `ppaas` on sky130: PPAAS's 9 corners (ICCAD 2025), so results compare with theirs

TT at 27 degrees C, then each of FF, SS, FS, SF at -40 and 125 degrees C, all at the task's
supply (PPAAS's LDO: 2.0 V; the supply is not a corner there). FS and SF are named by measured
direction: FS (fast NMOS, slow PMOS) is sky130's section `sf`, and SF its section `fs`
(`kits/sky130.py`), so this set holds the same nine conditions as PPAAS's under these names.
"""

from __future__ import annotations

from ..pdk import Corner, CornerSet, Pdk

TEMPERATURES = (-40.0, 125.0)


def corners(pdk: Pdk, vdd: float) -> list[Corner]:
    skewed = [Corner(pdk.process(process), vdd, temp) for process in ("ff", "ss", "fs", "sf") for temp in TEMPERATURES]
    return [Corner(pdk.typical, vdd, 27.0), *skewed]


PPAAS = CornerSet(
    pdk="sky130", name="ppaas", description="PPAAS's 9: TT; FF, SS, FS, SF x (-40, 125 C), at the task's supply", build=corners
)
