"""Cost of one two-stage op-amp evaluation with each engine, in-process and served, side by side.

    python benchmarks/sim_cost.py [--timing-evals 300]

Starts `AutoCkt/scripts/start_server.py` once per engine (`AUTOCKT_ENGINE`: libngspice, or one
`ngspice -b` subprocess per evaluation), each with its default pool and its result cache off,
and times the same random design points through the real path (discovery_client -> HTTP ->
server -> worker) and in-process (the engine a worker runs, no HTTP), with the libngspice
speed-up and the serving overhead per call. `benchmarks/serving.py` measures throughput and
memory. Machines are noisy and shared: compare the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import random
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import get_args

import discovery_client as dc
from autockt_ckt.circuits import two_stage_opamp
from autockt_ckt.served import served_simulator, warm
from autockt_ckt.settings import EngineName, Settings
from autockt_shared import OpAmpInput, OpAmpOutput, auto_ckt_sim_hdl21

sys.path.insert(0, str(Path(__file__).resolve().parent))
from autockt_server import autockt_server, per_call_seconds, random_points  # noqa: E402

LOCAL = "in-process (the worker's engine)"
SERVED = "served (client -> HTTP -> pool)"


def local_call(engine: EngineName) -> Callable[[OpAmpInput], OpAmpOutput]:
    settings = dataclasses.replace(Settings.from_env(), engine=engine)
    simulator = served_simulator(settings, Path(tempfile.mkdtemp(prefix=f"autockt-{engine}-")), timeout_s=None)
    warm(simulator)
    return lambda inp: two_stage_opamp.evaluate(simulator, inp)


def describe(times: Sequence[float]) -> tuple[float, float, float]:
    """(median, 90th percentile) in milliseconds, and evaluations per second over the whole run."""
    ms = sorted(t * 1e3 for t in times)
    return statistics.median(ms), ms[int(0.9 * (len(ms) - 1))], len(times) / sum(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timing-evals", type=int, default=300, help="evaluations timed on each path")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    engines: tuple[EngineName, ...] = get_args(EngineName)

    with contextlib.ExitStack() as stack:
        paths: dict[tuple[str, EngineName], Callable[[OpAmpInput], OpAmpOutput]] = {}
        for engine in engines:
            server = stack.enter_context(autockt_server("--result-cache-size", "0", env={"AUTOCKT_ENGINE": engine}))
            client = stack.enter_context(dc.Client(dc.Config(server_url=server.url)))
            paths[LOCAL, engine] = local_call(engine)
            paths[SERVED, engine] = functools.partial(client.call, auto_ckt_sim_hdl21)
        for call in paths.values():
            per_call_seconds(call, random_points(10, rng))  # warm-up
        points = random_points(args.timing_evals, rng)
        costs = {key: describe(per_call_seconds(call, points)) for key, call in paths.items()}

    baseline = costs[LOCAL, "subprocess"][0]
    print(f"per evaluation, {args.timing_evals} random points, two-stage op-amp (ms; ratio: to in-process subprocess)")
    print(f"{'path':<36}{'engine':<12}{'median':>9}{'p90':>9}{'evals/s':>9}{'ratio':>8}")
    for (path, engine), (median, p90, rate) in costs.items():
        print(f"{path:<36}{engine:<12}{median:>9.2f}{p90:>9.2f}{rate:>9.0f}{median / baseline:>8.2f}")
    for path in (LOCAL, SERVED):
        print(f"libngspice speed-up, {path}: {costs[path, 'subprocess'][0] / costs[path, 'libngspice'][0]:.2f}x")
    for engine in engines:
        print(f"serving overhead per call, {engine}: {costs[SERVED, engine][0] - costs[LOCAL, engine][0]:.2f} ms (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
