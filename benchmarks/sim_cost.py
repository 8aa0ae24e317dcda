"""Cost of one served two-stage op-amp evaluation, and the server's memory over a long run.

    python benchmarks/sim_cost.py [--timing-evals 200] [--long-evals 5000]

Starts `AutoCkt/scripts/start_server.py` as its own process on a free loopback port, then
1. times evaluations of random design points through the real path (discovery_client ->
   HTTP -> server -> ngspice) and in-process (the same handler, no HTTP), side by side;
2. keeps evaluating new random points and reports the server's resident memory after 500
   and after `--long-evals` evaluations. It must not grow: each circuit is elaborated once.
Exits 1 if the memory grew by more than `--max-growth-mb`.
Machines are noisy and shared: compare the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import autockt_ckt.handlers  # noqa: F401  (attaches the handler for the in-process comparison)
import discovery_client as dc
import httpx
import psutil
from autockt_shared import TWO_STAGE_OPAMP, OpAmpInput, OpAmpOutput, auto_ckt_sim_hdl21

ROOT = Path(__file__).resolve().parents[1]
MEMORY_CHECKPOINT = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "AutoCkt/scripts/start_server.py"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/").status_code == 200:
                return server
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the AutoCkt server did not start") from None
            time.sleep(0.1)


def random_points(n: int, rng: random.Random) -> list[OpAmpInput]:
    """Fresh design points on the benchmark grid: new parameter sets, as a training run makes."""
    return [TWO_STAGE_OPAMP.make_input(TWO_STAGE_OPAMP.sample_values(rng)) for _ in range(n)]


def seconds_per_call(call: Callable[[OpAmpInput], OpAmpOutput], points: Sequence[OpAmpInput]) -> list[float]:
    times = []
    for inp in points:
        start = time.perf_counter()
        call(inp)
        times.append(time.perf_counter() - start)
    return times


def describe(times: Sequence[float]) -> tuple[float, float]:
    """(median, 90th percentile) in milliseconds."""
    ms = sorted(t * 1e3 for t in times)
    return statistics.median(ms), ms[int(0.9 * (len(ms) - 1))]


def rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timing-evals", type=int, default=200, help="evaluations timed on each path")
    parser.add_argument("--long-evals", type=int, default=5000, help="served evaluations before the last memory reading")
    parser.add_argument("--max-growth-mb", type=float, default=5.0, help="memory growth that fails the run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    port = free_port()
    server = start_server(port)
    try:
        with dc.Client(dc.Config(server_url=f"http://127.0.0.1:{port}")) as client:
            served = psutil.Process(server.pid)
            remote = lambda inp: client.call(auto_ckt_sim_hdl21, inp)  # noqa: E731

            warmup = random_points(10, rng)
            seconds_per_call(remote, warmup)
            seconds_per_call(auto_ckt_sim_hdl21, warmup)
            points = random_points(args.timing_evals, rng)
            local_ms, remote_ms = describe(seconds_per_call(auto_ckt_sim_hdl21, points)), describe(seconds_per_call(remote, points))
            print(f"per evaluation, {args.timing_evals} random points, two-stage op-amp (ms)")
            print(f"{'path':<36}{'median':>9}{'p90':>9}{'ratio':>8}")
            print(f"{'local (in-process handler)':<36}{local_ms[0]:>9.2f}{local_ms[1]:>9.2f}{1.0:>8.2f}")
            print(f"{'served (client -> HTTP -> server)':<36}{remote_ms[0]:>9.2f}{remote_ms[1]:>9.2f}{remote_ms[0] / local_ms[0]:>8.2f}")
            print(f"HTTP + codec overhead per call: {remote_ms[0] - local_ms[0]:.2f} ms (median)")

            done = len(warmup) + len(points)
            readings: dict[int, float] = {}
            for checkpoint in sorted({MEMORY_CHECKPOINT, args.long_evals}):
                seconds_per_call(remote, random_points(max(checkpoint - done, 0), rng))
                done = max(done, checkpoint)
                readings[checkpoint] = rss_mb(served)
            first, last = readings[MEMORY_CHECKPOINT], readings[max(readings)]
            print(f"server resident memory after {MEMORY_CHECKPOINT} evaluations: {first:.1f} MB")
            print(f"server resident memory after {max(readings)} evaluations: {last:.1f} MB")
            growth = last - first
            per_eval_kb = growth * 1024 / max(max(readings) - MEMORY_CHECKPOINT, 1)
            print(f"growth: {growth:+.1f} MB ({per_eval_kb:+.2f} KB per evaluation)")
            return 0 if growth <= args.max_growth_mb else 1
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
