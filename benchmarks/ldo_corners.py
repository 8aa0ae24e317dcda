"""Cost of PPAAS's LDO on sky130 per corner, in-process: the floor and a whole corner set in turn.

    python benchmarks/ldo_corners.py [--designs 3]

For random designs within 20 % of PPAAS's initial point (regulating loops, as an optimizer's
designs are), CPU and wall time of the libngspice engine (a worker's) evaluating a design at
the corner it has just simulated (`alterparam` + `reset`: the floor), and per corner of the
whole `ppaas` set evaluated in turn in one process (`CornerCircuit.evaluate_corner_set`: five process
sections, so five model reloads per design). Machines are noisy and shared: say how loaded
this one was beside the figures.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from autockt_ckt.circuits.ppaas_ldo import LDO
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_shared.circuits.ppaas_ldo import PPAAS_LDO


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """(CPU, wall) seconds of `run()`."""
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1] if __doc__ else None)
    parser.add_argument("--designs", type=int, default=3, help="random designs (default 3)")
    designs = parser.parse_args().designs
    corners = LDO.corners("ppaas")
    rng = random.Random(0)
    points = [{p.name: p.value_at(p.index_of(p.initial * rng.uniform(0.8, 1.2))) for p in PPAAS_LDO.params} for _ in range(designs)]
    engine = LibngspiceEngine(run_dir=Path(tempfile.mkdtemp(prefix="ldo-corners-")), timeout_s=None)
    LDO.evaluate_corner_set(engine, corners, PPAAS_LDO.initial_values())  # every section netlisted once
    floor: list[tuple[float, float]] = []
    in_turn: list[tuple[float, float]] = []
    for point in points:
        cpu, wall = _timed(functools.partial(LDO.evaluate_corner_set, engine, corners, point))
        in_turn.append((cpu / len(corners), wall / len(corners)))
        for corner in corners:
            LDO.evaluate_at(engine, corner, point)
            floor.append(_timed(functools.partial(LDO.evaluate_at, engine, corner, {**point, "cfb": point["cfb"] * 1.01})))
    load = os.getloadavg()[0]
    print(
        f"PPAAS LDO on sky130, {len(corners)} corners x {designs} designs (median per corner; load average {load:.1f} on {os.cpu_count()} cores):"
    )
    for label, times in (("the corner just simulated (the floor)", floor), ("the 9-corner set in turn, reloads included", in_turn)):
        cpu_ms, wall_ms = (statistics.median(t[i] for t in times) * 1e3 for i in (0, 1))
        print(f"  {label:45s} {cpu_ms:7.1f} ms CPU, {wall_ms:7.1f} ms wall")


if __name__ == "__main__":
    main()
