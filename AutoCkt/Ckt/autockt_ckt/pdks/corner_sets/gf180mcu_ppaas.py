"""
# `ppaas` on gf180mcu: PPAAS's 17 corners (ICCAD 2025), so results compare with theirs

TT at the nominal supply and 27 degrees C, then each of FF, SS, FS, SF at the supply 0.3 V
below and above nominal (3.0 and 3.6 V at PPAAS's 3.3 V) and at -40 and 125 degrees C. The
skewed corners are named by measured direction (`kits/gf180mcu.py`); on gf180mcu those are the
sections of the same names.
"""

from __future__ import annotations

from ..pdk import Corner, CornerSet, Pdk

SUPPLY_STEP = 0.3
"""Volts either side of nominal: PPAAS's 3.0 and 3.6 V around 3.3 V."""
TEMPERATURES = (-40.0, 125.0)


def corners(pdk: Pdk, vdd: float) -> list[Corner]:
    supplies = (round(vdd - SUPPLY_STEP, 9), round(vdd + SUPPLY_STEP, 9))  # 3.3 - 0.3 is 2.9999999999999996 in floats
    skewed = [
        Corner(pdk.process(process), supply, temp) for process in ("ff", "ss", "fs", "sf") for supply in supplies for temp in TEMPERATURES
    ]
    return [Corner(pdk.typical, vdd, 27.0), *skewed]


PPAAS = CornerSet(
    pdk="gf180mcu", name="ppaas", description="PPAAS's 17: TT; FF, SS, FS, SF x (VDD -/+ 0.3 V) x (-40, 125 C)", build=corners
)
