"""Each process corner of each open PDK moves its devices the way its name says.

A corner is named by measurement, not by its section's name (sky130's section `sf` is fast NMOS /
slow PMOS: process corner `fs` here): an NMOS and a PMOS in strong inversion (|Vgs| = |Vds| =
VDD, W/L = 4/0.5 and 8/0.5 um, 27 degrees C) must each draw at least 2 % more (fast) or less
(slow) current than at the typical section, or the same (typical).
"""

from __future__ import annotations

import pytest

from autockt_ckt.engine import NgspiceSubprocessEngine
from autockt_ckt.pdks import Corner, Speed, pdk

from .device_bench import SIZES, device_bench, drain_currents

MARGIN = 0.02


def _moved(current: float, typical: float) -> Speed:
    if current > typical * (1 + MARGIN):
        return Speed.FAST
    if current < typical * (1 - MARGIN):
        return Speed.SLOW
    assert current == typical, f"{current} A is within {MARGIN:.0%} of the typical {typical} A but not equal: neither fast nor slow"
    return Speed.TYPICAL


@pytest.mark.parametrize("name", ["gf180mcu", "sky130"])
def test_each_process_corner_moves_the_way_it_is_named(name: str, subprocess_engine: NgspiceSubprocessEngine) -> None:
    kit = pdk(name)
    currents = {
        process: drain_currents(subprocess_engine.run(device_bench(kit, Corner(process, kit.nominal_vdd, 27.0)), SIZES))
        for process in kit.processes
    }
    typical_n, typical_p = currents[kit.typical]
    measured = {process.section: (_moved(n, typical_n), _moved(p, typical_p)) for process, (n, p) in currents.items()}
    assert measured == {process.section: (process.nmos, process.pmos) for process in kit.processes}
    assert sorted(process.name for process in kit.processes) == ["ff", "fs", "sf", "ss", "tt"]
