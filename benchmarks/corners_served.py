"""PPAAS's two-stage op-amp served at gf180mcu's 17 corners: the served wall time against the in-process floor.

    python benchmarks/corners_served.py [--workers N] [--designs 16]

The floor: CPU time per corner of a design evaluated at all 17 corners in turn in one process
(libngspice, the sections' reloads included, as a worker meets them). Then a server
(`start_server.py --pdk gf180mcu`, result cache off) with N workers (default: the machine's
cores), a job per process section's run of corners (5 for the 17: `corner_evaluation.section_runs`):
one design at its 17 corners (wall time against 17 x floor / N, the
target <= 1.3 x), and a batch of designs x 17 corners in one request (corner
evaluations per second against 0.85 x N / floor), with the CPU time the workers got during
it: on a machine shared with other work, wall time shows the contention, and CPU per corner
served against the floor shows what serving itself costs. Compare the ratios of one run, not
the absolute times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from autockt_ckt.circuits.ppaas_tsa import evaluate_corner_set
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pdks import pdk
from autockt_ckt.settings import machine_cores
from autockt_ckt.worker import PROCESS_NAME
from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA
from discovery_server import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=machine_cores(), help="the server's simulator workers (default: cores)")
    parser.add_argument("--designs", type=int, default=16, help="designs in the batch (default 16)")
    args = parser.parse_args()
    kit = pdk("gf180mcu")
    corners = kit.corner_set("ppaas")
    rng = random.Random(0)
    designs = [PPAAS_TSA.sample_values(rng) for _ in range(args.designs + 3)]

    engine = LibngspiceEngine(run_dir=Path(tempfile.mkdtemp(prefix="corners-served-")), timeout_s=None)
    evaluate_corner_set(engine, kit, corners, PPAAS_TSA.initial_values())  # every section loaded once
    per_corner = []
    for design in designs[:3]:
        started = time.process_time()
        evaluate_corner_set(engine, kit, corners, design)
        per_corner.append((time.process_time() - started) / len(corners))
    floor = statistics.median(per_corner)

    port = free_port()
    argv = [sys.executable, str(ROOT / "AutoCkt/scripts/start_server.py"), "--port", str(port)]
    argv += ["--pdk", "gf180mcu", "--sim-workers", str(args.workers), "--result-cache-size", "0"]
    server = ServerProcess(argv, port=port, startup_timeout=300)
    with server, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as http:
        workers = [p for p in psutil.Process(server.pid).children(recursive=True) if p.name() == PROCESS_NAME]
        single = []
        for design in designs[:3]:
            started = time.perf_counter()
            http.post("/ppaas_tsa_sim", json=design).raise_for_status()
            single.append(time.perf_counter() - started)
        cpu_before = sum(sum(w.cpu_times()[:2]) for w in workers)
        started = time.perf_counter()
        http.post("/ppaas_tsa_sim/batch", json=designs[3:]).raise_for_status()
        batch = time.perf_counter() - started
        worker_cpu = sum(sum(w.cpu_times()[:2]) for w in workers) - cpu_before

    ideal = len(corners) * floor / args.workers
    rate = args.designs * len(corners) / batch
    print(f"PPAAS TSA on gf180mcu, {len(corners)} corners, {args.workers} workers:")
    print(f"  in-process floor: {floor * 1e3:.1f} ms CPU per corner ({len(corners) * floor:.2f} s per design)")
    print(
        f"  one design served: {statistics.median(single):.2f} s wall (17 x floor / workers = {ideal:.2f} s; ratio {statistics.median(single) / ideal:.2f}, target <= 1.3)"
    )
    print(f"  {args.designs} designs x {len(corners)} corners in one batch: {batch:.1f} s, {rate:.1f} corner evaluations/s")
    print(f"    the workers got {worker_cpu / (batch * args.workers):.0%} of their cores' wall time (the rest: other processes)")
    print(
        f"    workers' CPU per corner served: {worker_cpu / (args.designs * len(corners)) * 1e3:.1f} ms against the floor's {floor * 1e3:.1f} ms"
    )
    print(f"    against workers / floor = {args.workers / floor:.1f}/s: {rate * floor / args.workers:.2f} of it (target >= 0.85)")


if __name__ == "__main__":
    main()
