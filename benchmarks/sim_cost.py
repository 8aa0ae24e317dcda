"""Cost of one served two-stage op-amp evaluation with each engine, and the server's memory over a long run.

    python benchmarks/sim_cost.py [--timing-evals 200] [--long-evals 5000]

Starts `AutoCkt/scripts/start_server.py` once per engine (`AUTOCKT_ENGINE`), each as its own
process on a free loopback port, then
1. times evaluations of random design points through the real path (discovery_client ->
   HTTP -> server -> ngspice) and in-process (the same handler, no HTTP), for both engines,
   side by side, with the libngspice speed-up;
2. keeps evaluating new random points on the server running the default engine and reports
   its resident memory after 500 and after `--long-evals` evaluations. It must not grow:
   each circuit is elaborated once, and libngspice destroys its result plots after each run.
Exits 1 if the memory grew by more than `--max-growth-mb`.
Machines are noisy and shared: compare the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import autockt_ckt.handlers as handlers  # attaches the handler for the in-process comparison
import discovery_client as dc
from discovery_server import ServerProcess, free_port
import psutil
from autockt_ckt.engine import Engine, NgspiceSubprocessEngine
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.settings import EngineName
from autockt_shared import TWO_STAGE_OPAMP, OpAmpInput, OpAmpOutput, auto_ckt_sim_hdl21

ROOT = Path(__file__).resolve().parents[1]
MEMORY_CHECKPOINT = 500
LOCAL = "local (in-process handler)"
SERVED = "served (client -> HTTP -> server)"
ENGINES: dict[EngineName, type[Engine]] = {"subprocess": NgspiceSubprocessEngine, "libngspice": LibngspiceEngine}


def server_process(engine: EngineName) -> ServerProcess:
    """`AutoCkt/scripts/start_server.py` on a free loopback port, simulating with `engine`."""
    port = free_port()
    argv = [sys.executable, str(ROOT / "AutoCkt/scripts/start_server.py"), "--host", "127.0.0.1", "--port", str(port)]
    return ServerProcess(argv, port=port, env={**os.environ, "AUTOCKT_ENGINE": engine})


def random_points(n: int, rng: random.Random) -> list[OpAmpInput]:
    """Fresh design points on the benchmark grid: new parameter sets, as a training run makes."""
    return [TWO_STAGE_OPAMP.make_input(TWO_STAGE_OPAMP.sample_values(rng)) for _ in range(n)]


def local_call(engine: Engine) -> Callable[[OpAmpInput], OpAmpOutput]:
    """The in-process handler, running on `engine`."""

    def call(inp: OpAmpInput) -> OpAmpOutput:
        handlers.engine = engine
        return auto_ckt_sim_hdl21(inp)

    return call


def seconds_per_call(call: Callable[[OpAmpInput], OpAmpOutput], points: Sequence[OpAmpInput]) -> list[float]:
    times = []
    for inp in points:
        start = time.perf_counter()
        call(inp)
        times.append(time.perf_counter() - start)
    return times


def describe(times: Sequence[float]) -> tuple[float, float, float]:
    """(median, 90th percentile) in milliseconds, and evaluations per second over the whole run."""
    ms = sorted(t * 1e3 for t in times)
    return statistics.median(ms), ms[int(0.9 * (len(ms) - 1))], len(times) / sum(times)


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

    default = next(name for name, kind in ENGINES.items() if isinstance(handlers.engine, kind))
    with contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(server_process(name)) for name in ENGINES}
        paths: dict[tuple[str, EngineName], Callable[[OpAmpInput], OpAmpOutput]] = {}
        for name, kind in ENGINES.items():
            client = stack.enter_context(dc.Client(dc.Config(server_url=servers[name].url)))
            paths[LOCAL, name] = local_call(kind(run_dir=handlers.settings.run_dir, timeout_s=handlers.settings.sim_timeout_s))
            paths[SERVED, name] = lambda inp, client=client: client.call(auto_ckt_sim_hdl21, inp)

        for call in paths.values():
            seconds_per_call(call, random_points(10, rng))  # warm-up
        points = random_points(args.timing_evals, rng)
        costs = {key: describe(seconds_per_call(call, points)) for key, call in paths.items()}
        baseline = costs[LOCAL, "subprocess"][0]
        print(f"per evaluation, {args.timing_evals} random points, two-stage op-amp (ms; ratio: to local subprocess)")
        print(f"{'path':<36}{'engine':<12}{'median':>9}{'p90':>9}{'evals/s':>9}{'ratio':>8}")
        for (path, name), (median, p90, rate) in costs.items():
            print(f"{path:<36}{name:<12}{median:>9.2f}{p90:>9.2f}{rate:>9.0f}{median / baseline:>8.2f}")
        for path in (LOCAL, SERVED):
            print(f"libngspice speed-up, {path}: {costs[path, 'subprocess'][0] / costs[path, 'libngspice'][0]:.2f}x")
        for name in ENGINES:
            print(f"HTTP + codec overhead per call, {name}: {costs[SERVED, name][0] - costs[LOCAL, name][0]:.2f} ms (median)")

        remote = paths[SERVED, default]
        served = psutil.Process(servers[default].pid)
        done = 10 + len(points)
        readings: dict[int, float] = {}
        for checkpoint in sorted({MEMORY_CHECKPOINT, args.long_evals}):
            seconds_per_call(remote, random_points(max(checkpoint - done, 0), rng))
            done = max(done, checkpoint)
            readings[checkpoint] = rss_mb(served)
        first, last = readings[MEMORY_CHECKPOINT], readings[max(readings)]
        print(f"server running the default engine ({default}):")
        print(f"server resident memory after {MEMORY_CHECKPOINT} evaluations: {first:.1f} MB")
        print(f"server resident memory after {max(readings)} evaluations: {last:.1f} MB")
        growth = last - first
        per_eval_kb = growth * 1024 / max(max(readings) - MEMORY_CHECKPOINT, 1)
        print(f"growth: {growth:+.1f} MB ({per_eval_kb:+.2f} KB per evaluation)")
        return 0 if growth <= args.max_growth_mb else 1


if __name__ == "__main__":
    sys.exit(main())
