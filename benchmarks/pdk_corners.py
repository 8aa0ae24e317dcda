"""Cost of PPAAS's two-stage op-amp on gf180mcu per corner: in-process floor against PPAAS's engine.

    python benchmarks/pdk_corners.py [--designs 5]

For random designs at each of gf180mcu's 17 `ppaas` corners, CPU time of the libngspice
engine (a worker's) evaluating a design at the corner it has just simulated (`alterparam` +
`reset`: the floor), after another corner of the same process section (the supply and the
temperature changed in place), and after a corner of another section (a reload of the
models), beside the wall time of one `ngspice -b` per corner, as PPAAS's code runs them. Machines are noisy and shared: compare the
ratios of one run, not the absolute times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from autockt_ckt.circuits.ppaas_tsa import INITIAL, evaluate_at
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
    times: dict[str, list[float]] = {"floor": [], "same section": [], "section switch": [], "ngspice -b": []}
    for corner in corners:
        same = next((c for c in corners if c.process == corner.process and c != corner), corner)
        other = next(c for c in corners if c.process != corner.process)
        for point in points:
            for label, before in [("section switch", other), ("same section", same)]:
                evaluate_at(libngspice, kit, before, INITIAL)
                started = time.process_time()
                evaluate_at(libngspice, kit, corner, point)
                times[label].append(time.process_time() - started)
            started = time.process_time()
            evaluate_at(libngspice, kit, corner, {**point, "cc": point["cc"] * 1.01})  # the corner just simulated
            times["floor"].append(time.process_time() - started)
            started = time.perf_counter()
            evaluate_at(subprocess_engine, kit, corner, point)
            times["ngspice -b"].append(time.perf_counter() - started)
    medians = {label: statistics.median(values) * 1e3 for label, values in times.items()}
    print(f"PPAAS TSA on gf180mcu, {len(corners)} corners x {designs} designs (median per evaluation):")
    print(f"  libngspice, the corner just simulated (the floor): {medians['floor']:.1f} ms CPU")
    print(f"  libngspice, after a corner of the same section:    {medians['same section']:.1f} ms CPU")
    print(f"  libngspice, after another section (a reload):      {medians['section switch']:.1f} ms CPU")
    print(f"  ngspice -b per corner (PPAAS's way):                {medians['ngspice -b']:.1f} ms wall")
    print(f"  ngspice -b / floor: {medians['ngspice -b'] / medians['floor']:.1f} x")


if __name__ == "__main__":
    main()
