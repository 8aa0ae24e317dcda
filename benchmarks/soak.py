"""Soak: 100,000 calls against one AutoCkt server; memory of every server process flat, p99 stable.

`python benchmarks/soak.py [--calls 100000] [--window 10000] [--clients 4] [--distinct 2000] [--sim-workers 2]`

Starts `AutoCkt/scripts/start_server.py` as an operator would (its result cache on), then
`--clients` threads each make single calls (every 10th a batch of 8) on designs drawn from
`--distinct` fixed points: the first window simulates them all and fills the cache, so after it
the server holds nothing new, and any growth of a process's memory is a leak. Prints, per window
of `--window` calls (10,000), the latency percentiles seen by the clients and the RSS of every server process
(the API process, the pool's fork server and its simulator workers), then the drift of each from
the second window to the last. Not part of the test suite: it runs for minutes.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import random
import statistics
import sys
import threading
import time

from autockt_server import autockt_server, random_points
from serving import rss_mb, server_processes

import discovery_client as dc
from autockt_shared import auto_ckt_sim_hdl21

BATCH = 8


def soak(url: str, pid: int, calls: int, clients: int, distinct: int, window: int) -> list[dict[str, float]]:
    points = random_points(distinct, random.Random(7))
    lock = threading.Lock()
    latencies: list[float] = []  # of the current window, in ms (a batch counts once, per item)
    windows: list[dict[str, float]] = []
    done = reserved = 0  # calls answered; calls handed out to clients

    def close_window() -> None:
        ordered = sorted(latencies)
        row = {
            "calls": float(done),
            "p50_ms": ordered[len(ordered) // 2],
            "p99_ms": ordered[int(len(ordered) * 0.99)],
            "max_ms": ordered[-1],
        }
        for proc, name in server_processes(pid).items():
            row[f"{name}[{proc}]_mb"] = rss_mb(proc) or float("nan")
        windows.append(row)
        latencies.clear()
        print(_row(row), flush=True)

    def client(seed: int) -> None:
        nonlocal done, reserved
        rng = random.Random(seed)
        config = dc.Config(server_url=url, retry=dc.RetryPolicy(deadline=60))
        with dc.Client(config) as c:
            while True:
                with lock:
                    if reserved >= calls:
                        return
                    batch = min(BATCH if rng.random() < 0.1 else 1, calls - reserved)
                    reserved += batch
                started = time.perf_counter()
                if batch == 1:
                    c.call(auto_ckt_sim_hdl21, rng.choice(points))
                else:
                    c.call_batch(auto_ckt_sim_hdl21, rng.sample(points, batch)).values()
                ms = (time.perf_counter() - started) * 1e3 / batch
                with lock:
                    latencies.extend([ms] * batch)
                    before, done = done, done + batch
                    if before // window != done // window or done == calls:
                        close_window()

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client, seed) for seed in range(clients)]:
            future.result()
    return windows


def _row(row: dict[str, float]) -> str:
    return "  ".join(f"{key}={value:.2f}" if key != "calls" else f"calls={int(value):>7}" for key, value in row.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--distinct", type=int, default=2000, help="distinct designs the calls draw from")
    parser.add_argument("--sim-workers", type=int, default=2)
    parser.add_argument("--window", type=int, default=10_000, help="calls per row of the table")
    args = parser.parse_args()
    with autockt_server("--sim-workers", str(args.sim_workers)) as server:
        windows = soak(server.url, server.pid, args.calls, args.clients, args.distinct, args.window)
    if len(windows) < 3:
        print("fewer than three windows: no drift to report (more --calls, or a smaller --window)")
        return 0
    steady, last = windows[1], windows[-1]
    print("\ndrift from the second window to the last (the first fills the cache):")
    for key in steady:
        if key.endswith("_mb") or key.startswith("p99"):
            print(f"  {key:40s} {steady[key]:9.2f} -> {last[key]:9.2f}  ({last[key] - steady[key]:+.2f})")
    p99s = [w["p99_ms"] for w in windows[1:]]
    print(f"  p99 over windows 2..{len(windows)}: median {statistics.median(p99s):.2f} ms, max {max(p99s):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
