"""Cost of PPAAS's cascode-Miller op-amp on gf180mcu per corner, in-process, and a working design's worst case.

    python benchmarks/ppaas_cma_corners.py [--designs 3]

For PPAAS's initial point, `REACHING` (a design meeting every spec's normalizer at each corner)
and random designs, CPU and wall time of the libngspice engine (a worker's) evaluating a design
at TT just after another design there (`alterparam` + `reset`: the floor), and per corner of the
whole `ppaas` set evaluated in turn in one process (`CornerCircuit.evaluate_corner_set`: five
process sections, so five model reloads per design); then `REACHING`'s metrics at TT and their
worst case over the 17 corners. Machines are noisy and shared: say how loaded this one was
beside the figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from autockt_ckt.circuits.ppaas_cma import CMA, INITIAL, REACHING
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_shared.circuits.ppaas_cma import PPAAS_CMA


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--designs", type=int, default=3, help="random designs beside the initial point and REACHING (default 3)")
    designs = parser.parse_args().designs
    rng = random.Random(0)
    points = [dict(INITIAL), dict(REACHING), *(PPAAS_CMA.sample_values(rng) for _ in range(designs))]
    corners = CMA.corners("ppaas")
    engine = LibngspiceEngine(run_dir=Path(tempfile.mkdtemp(prefix="cma-corners-")), timeout_s=None)
    CMA.evaluate_corner_set(engine, corners, INITIAL)  # every section netlisted and loaded once
    floor: list[tuple[float, float]] = []
    in_turn: list[tuple[float, float]] = []
    for point in points:
        for _ in range(3):
            CMA.evaluate_at(engine, corners[0], INITIAL)
            cpu, wall = time.process_time(), time.perf_counter()
            CMA.evaluate_at(engine, corners[0], point)
            floor.append((time.process_time() - cpu, time.perf_counter() - wall))
        cpu, wall = time.process_time(), time.perf_counter()
        CMA.evaluate_corner_set(engine, corners, point)
        in_turn.append(((time.process_time() - cpu) / len(corners), (time.perf_counter() - wall) / len(corners)))
    load = os.getloadavg()[0]
    print(f"PPAAS CMA on gf180mcu, {len(points)} designs (median per corner; load average {load:.1f} on {os.cpu_count()} cores):")
    for label, times in (("at TT after another design (the floor)", floor), ("the 17-corner set in turn, reloads included", in_turn)):
        cpu_ms, wall_ms = (statistics.median(t[i] for t in times) * 1e3 for i in (0, 1))
        print(f"  {label:45s} {cpu_ms:7.1f} ms CPU, {wall_ms:7.1f} ms wall")
    reaching = CMA.evaluate_corner_set(engine, corners, REACHING)
    print("REACHING at TT:           ", dataclasses.asdict(CMA.evaluate_at(engine, corners[0], REACHING)))
    print("REACHING, worst of the 17:", dict(reaching.worst))


if __name__ == "__main__":
    main()
