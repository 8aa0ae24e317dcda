"""Cost of PPAAS's two-stage op-amp on gf180mcu per corner: in-process floor against PPAAS's engine.

    python benchmarks/pdk_corners.py [--designs 5]

For random designs at each of gf180mcu's 17 `ppaas` corners, CPU time of the libngspice
engine (a worker's) evaluating a design at the corner it has loaded (`alterparam` + `reset`:
the floor), and at a corner other than the loaded one (a reload of the section's models:
what a worker pays when its next job is another corner), beside the wall time of one
`ngspice -b` per corner, as PPAAS's code runs them. Machines are noisy and shared: compare the
ratios of one run, not the absolute times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from autockt_ckt.circuits._ppaas_tsa import INITIAL, evaluate_at
from autockt_ckt.engine import NgspiceSubprocessEngine
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pdks import pdk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1] if __doc__ else None)
    parser.add_argument("--designs", type=int, default=5, help="random designs per corner (default 5)")
    designs = parser.parse_args().designs
    kit = pdk("gf180mcu")
    corners = kit.corner_set("ppaas")
    rng = random.Random(0)
    points = [
        {name: round(rng.uniform(0.5, 100.0), 3) if name != "cc" else round(rng.uniform(0.1, 10.0), 4) for name in INITIAL}
        for _ in range(designs)
    ]
    libngspice = LibngspiceEngine(run_dir=Path(tempfile.mkdtemp(prefix="pdk-corners-")), timeout_s=None)
    subprocess_engine = NgspiceSubprocessEngine(run_dir=Path(tempfile.mkdtemp(prefix="pdk-corners-")))
    floor, switch, batch = [], [], []
    for i, corner in enumerate(corners):
        other = corners[(i + 1) % len(corners)]
        for point in points:
            evaluate_at(libngspice, kit, other, INITIAL)
            started = time.process_time()
            evaluate_at(libngspice, kit, corner, point)  # a reload: another corner was loaded
            switch.append(time.process_time() - started)
            started = time.process_time()
            evaluate_at(libngspice, kit, corner, {**point, "cc": point["cc"] * 1.01})  # resized in place
            floor.append(time.process_time() - started)
            started = time.perf_counter()
            evaluate_at(subprocess_engine, kit, corner, point)
            batch.append(time.perf_counter() - started)
    medians = {label: statistics.median(times) * 1e3 for label, times in [("floor", floor), ("switch", switch), ("ngspice -b", batch)]}
    print(f"PPAAS TSA on gf180mcu, {len(corners)} corners x {designs} designs (median per evaluation):")
    print(f"  libngspice, corner loaded (the floor): {medians['floor']:.1f} ms CPU")
    print(f"  libngspice, corner switch (a reload):  {medians['switch']:.1f} ms CPU")
    print(f"  ngspice -b per corner (PPAAS's way):   {medians['ngspice -b']:.1f} ms wall")
    print(
        f"  ngspice -b / floor: {medians['ngspice -b'] / medians['floor']:.1f} x; ngspice -b / switch: {medians['ngspice -b'] / medians['switch']:.1f} x"
    )


if __name__ == "__main__":
    main()
